"""Samplers behind ``fit(..., sampler=...)``: each takes a PyMC model and returns draws.

- ``nutpie`` (default): NUTS in Rust on the model compiled by ``bayes_mmm.inference._compile.fast``
  (cached numba code; nutpie's own compiler as the fallback), low-rank mass matrix
  adaptation (``NUTPIE_ADAPTATION``): with the model's saturation-logit parametrisation and
  target_accept 0.9 it gave 0 divergences and r_hat <= 1.006 over the 36 calibration data
  sets, with ~1.7x the minimum ESS of a diagonal mass matrix (docs/defaults.md).
- ``pymc``: PyMC's own NUTS (C backend); slower, no extra dependency.
- ``numpyro``: PyMC's ``pm.sample(nuts_sampler="numpyro")`` (JAX); needs ``numpyro``
  (``pip install 'bayes-mmm[jax]'``).
- ``laplace`` (**approximate**): the posterior mode found by L-BFGS from several starting
  points on the compiled gradient, a Gaussian with the inverse Hessian there (unconstrained
  space), corrected by importance resampling. Seconds instead of tens of seconds; for
  iterating on a model, not for reporting: intervals can be too narrow or too wide.
- ``advi`` (**approximate**): PyMC's mean-field ADVI (``pm.fit``), for reference.

Approximate samplers return one chain of independent draws with ``approximate = True`` in
the result and in the fit's diagnostics.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec

import numpy as np

from bayes_mmm._gc import resume_collection
from bayes_mmm._lazy import lazy_module
from bayes_mmm._overlap import while_sampling
from bayes_mmm.logs import log

xr = lazy_module("xarray")  # the sampler names are read by the CLI's parser: keep it light

NUTS_SAMPLERS = ("nutpie", "pymc", "numpyro")
APPROXIMATE_SAMPLERS = ("laplace", "advi")
SAMPLERS = NUTS_SAMPLERS + APPROXIMATE_SAMPLERS
NUTPIE_ADAPTATION = "low_rank"  # see docs/defaults.md and benchmarks/results/levers.md
TARGET_ACCEPT = 0.9  # NUTS target acceptance by default (docs/defaults.md)
GEO_TARGET_ACCEPT = 0.95  # for data with many geos (docs/defaults.md)
GEO_TARGET_ACCEPT_MIN_GEOS = 8


@dataclass(frozen=True)
class SamplerResult:
    posterior: xr.Dataset
    sample_stats: xr.Dataset
    compile_seconds: float
    sampling_seconds: float
    approximate: bool = False
    info: dict = field(default_factory=dict)  # sampler-specific notes (compile path, ...)


def available_samplers() -> list[str]:
    """Samplers usable in this environment (``numpyro`` only when it is installed)."""
    return [s for s in SAMPLERS if s != "numpyro" or find_spec("numpyro") is not None]


def _cores(chains: int) -> int:
    """Chains run in parallel: one per core, at most ``$BAYES_MMM_CORES`` (a batch worker
    sets it to 1: one fit per core, chains one after another)."""
    limit = int(os.environ.get("BAYES_MMM_CORES") or 0) or os.cpu_count() or 1
    return max(1, min(chains, limit))


def _large(model) -> bool:
    """Whether the model's data are large enough for the start-up's one garbage collection
    to pay (``bayes_mmm._gc.COLLECT_MIN_VALUES``)."""
    from bayes_mmm._gc import COLLECT_MIN_VALUES

    return sum(np.size(v.get_value()) for v in model.data_vars) >= COLLECT_MIN_VALUES


# ---- NUTS ------------------------------------------------------------------------------------
def sample_nutpie(
    model,
    *,
    chains,
    draws,
    tune,
    seed,
    target_accept,
    progress,
    adaptation: str = NUTPIE_ADAPTATION,
    fast_compile: bool = True,
    start: list[dict] | None = None,
) -> SamplerResult:
    """NUTS by nutpie; ``start``: each chain's initial point (``bayes_mmm.inference.start``)."""
    from bayes_mmm.inference._compile.memo import compile_reusing
    from bayes_mmm.inference._nutpie import import_nutpie, trace_datasets

    nutpie = import_nutpie()
    compiled, info = compile_reusing(model, fast=fast_compile)
    compiled = _started(compiled, start, len(model.free_RVs)) if start else compiled
    t0 = time.perf_counter()
    sampler = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=target_accept,
        progress_bar=progress,
        save_warmup=False,
        cores=_cores(chains),
        adaptation=adaptation,
        blocking=False,
        return_raw_trace=True,
    )
    try:  # nutpie's blocking sample() returns the draws so far on Ctrl-C; we stop instead
        while_sampling(_large(model))  # a command's start-up ends with the compile
        raw = sampler.wait()
    except KeyboardInterrupt as err:
        err.partial_trace = _partial(sampler, compiled)  # for keep_draws
        raise
    except BaseException:
        sampler.cancel()
        raise
    sample_s = time.perf_counter() - t0
    attrs = {"inference_library": "nutpie", "inference_library_version": nutpie.__version__}
    posterior, stats = trace_datasets(raw, compiled, attrs)
    return SamplerResult(
        posterior,
        stats,
        info.seconds,
        sample_s,
        info={
            "compile_path": info.path,
            "compile_cache": info.cache,
            "graph_cache": info.graph,
            "fallback_reason": info.reason,
            "adaptation": adaptation,
        },
    )


def _started(compiled, start: list[dict], n_free: int):
    """``compiled`` with its chains starting at ``start`` (laid out as its flat vector)."""
    import dataclasses

    from bayes_mmm.inference.start import initial_point_function

    names = list(compiled.shape_info[0][:n_free])
    return dataclasses.replace(compiled, initial_point_func=initial_point_function(start, names))


def _partial(sampler, compiled):
    """The draws so far of an interrupted nutpie sampler as ``(posterior, sample_stats)``, or
    None when there are none to read: the interrupt stays an interrupt, never a bug."""
    from bayes_mmm.inference._nutpie import trace_datasets

    try:
        return trace_datasets(sampler.abort(), compiled)
    except Exception as err:  # e.g. no chain had stored a row yet
        log.debug("no partial trace kept: %s", err)
        return None


def _sample_pm(model, nuts_sampler: str, *, chains, draws, tune, seed, target_accept, progress):
    import pymc as pm

    resume_collection()  # PyMC compiles inside pm.sample: the start-up ends here
    t0 = time.perf_counter()
    with model:
        trace = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            target_accept=target_accept,
            progressbar=progress,
            nuts_sampler=nuts_sampler,
            compute_convergence_checks=False,
            cores=_cores(chains),
            **({"nuts": {"chain_method": "vectorized"}} if nuts_sampler == "numpyro" else {}),
        )
    sample_s = time.perf_counter() - t0
    return SamplerResult(
        trace["posterior"].to_dataset(), trace["sample_stats"].to_dataset(), 0.0, sample_s
    )


def sample_pymc(model, **kwargs) -> SamplerResult:
    return _sample_pm(model, "pymc", **kwargs)


def sample_numpyro(model, **kwargs) -> SamplerResult:
    if find_spec("numpyro") is None:
        raise ImportError(
            "sampler 'numpyro' needs numpyro and jax: pip install 'bayes-mmm[jax]' "
            "(or choose sampler='nutpie')"
        )
    return _sample_pm(model, "numpyro", **kwargs)


# ---- approximate -----------------------------------------------------------------------------
def _iid_stats(n: int, extra: dict | None = None) -> xr.Dataset:
    """sample_stats for independent draws: no divergences, no leapfrog steps."""
    stats = {"diverging": (("chain", "draw"), np.zeros((1, n), dtype=bool))}
    for name, value in (extra or {}).items():
        stats[name] = ((), value)
    return xr.Dataset(stats, coords={"chain": [0], "draw": np.arange(n)})


def _posterior_from_flat(compiled, model, flat: np.ndarray) -> xr.Dataset:
    """Posterior Dataset ``(chain=1, draw, ...)`` from unconstrained draws ``(n, n_dim)``."""
    names, slices, shapes = compiled.shape_info
    expanded = np.stack([np.asarray(compiled.expand_func(x)[0]) for x in flat])
    hidden = set(compiled.reparameterized_names or ())
    coords = {k: list(v) for k, v in model.coords.items() if v is not None}
    data = {}
    for name, sl, shape in zip(names, slices, shapes, strict=True):
        if name in hidden:
            continue
        dims = tuple(model.named_vars_to_dims.get(name, ()))
        if len(dims) != len(shape):
            dims = tuple(f"{name}_dim_{i}" for i in range(len(shape)))
        values = expanded[:, sl].reshape((1, len(flat), *shape))
        data[name] = (("chain", "draw", *dims), values)
    used = {d for _, (dims, _) in data.items() for d in dims}
    coords = {k: v for k, v in coords.items() if k in used}
    return xr.Dataset(data, coords={"chain": [0], "draw": np.arange(len(flat)), **coords})


def _neg_logp_and_grad(compiled) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    fn = compiled.logp_func

    def f(x):
        value, grad = fn(np.asarray(x, dtype=np.float64))
        value = float(value)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(x)
        return -value, -np.asarray(grad, dtype=np.float64)

    return f


def _hessian(f, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Hessian of ``f`` (returning value, gradient) by central differences of the gradient."""
    n = len(x)
    h = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = step * max(1.0, abs(x[j]))
        h[:, j] = (f(x + e)[1] - f(x - e)[1]) / (2 * e[j])
    return 0.5 * (h + h.T)


def sample_laplace(model, *, chains, draws, tune, seed, target_accept, progress) -> SamplerResult:
    """Approximate posterior: mode + Gaussian (inverse Hessian) + importance resampling."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    from bayes_mmm.inference._compile.memo import compile_reusing

    compiled, info = compile_reusing(model)
    resume_collection()
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    f = _neg_logp_and_grad(compiled)
    optima = []
    for k in range(max(1, chains)):
        x0 = np.asarray(compiled.initial_point_func(int(rng.integers(2**31))), dtype=float)
        res = minimize(f, x0, jac=True, method="L-BFGS-B", options={"maxiter": 5000})
        optima.append((res.fun, res.x, k))
    best_fun, mode, _ = min(optima, key=lambda t: t[0])
    spread = max(fun for fun, _, _ in optima) - best_fun
    precision = _hessian(f, mode)
    eigval, eigvec = np.linalg.eigh(precision)
    eigval = np.maximum(eigval, 1e-8 * max(eigval.max(), 1.0))
    cov_sqrt = eigvec / np.sqrt(eigval)  # columns scaled: cov = cov_sqrt @ cov_sqrt.T
    n = chains * draws
    z = rng.standard_normal((n, len(mode)))
    proposals = mode + z @ cov_sqrt.T
    log_q = -0.5 * np.sum(z**2, axis=1)
    log_p = np.array([-f(x)[0] for x in proposals])
    log_w = log_p - log_q
    log_w -= logsumexp(log_w)
    weights = np.exp(log_w)
    ess = float(1.0 / np.sum(weights**2))
    # systematic resampling: n draws in proportion to the importance weights
    positions = (rng.random() + np.arange(n)) / n
    index = np.minimum(np.searchsorted(np.cumsum(weights), positions), n - 1)
    draws_flat = proposals[rng.permutation(index)]
    posterior = _posterior_from_flat(compiled, model, draws_flat)
    sample_s = time.perf_counter() - t0
    stats = _iid_stats(n, {"importance_ess": ess, "optima_logp_spread": float(spread)})
    return SamplerResult(
        posterior,
        stats,
        info.seconds,
        sample_s,
        approximate=True,
        info={
            "compile_path": info.path,
            "fallback_reason": info.reason,
            "compile_cache": info.cache,
            "importance_ess": ess,
            "optima_spread": spread,
        },
    )


def sample_advi(
    model, *, chains, draws, tune, seed, target_accept, progress, iterations: int = 20_000
) -> SamplerResult:
    """Approximate posterior: PyMC's mean-field ADVI (``iterations`` optimisation steps)."""
    import pymc as pm

    resume_collection()
    t0 = time.perf_counter()
    with model:
        approx = pm.fit(n=iterations, method="advi", random_seed=seed, progressbar=progress)
        idata = approx.sample(chains * draws, random_seed=seed)
    posterior = idata["posterior"].to_dataset()
    n = posterior.sizes["draw"]
    return SamplerResult(posterior, _iid_stats(n), 0.0, time.perf_counter() - t0, approximate=True)


RUNNERS: dict[str, Callable[..., SamplerResult]] = {
    "nutpie": sample_nutpie,
    "pymc": sample_pymc,
    "numpyro": sample_numpyro,
    "laplace": sample_laplace,
    "advi": sample_advi,
}


def run(name: str, model, **kwargs) -> SamplerResult:
    """Sample ``model`` with sampler ``name`` (one of ``SAMPLERS``)."""
    if name not in RUNNERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {name!r}")
    return RUNNERS[name](model, **kwargs)
