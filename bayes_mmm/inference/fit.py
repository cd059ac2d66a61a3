"""fit(data, spec) -> MMMFit: sample the posterior with NUTS and package it as a DataTree."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version

import numpy as np
import pymc as pm
import xarray as xr

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.scaling import SPEND_UNIT, Scales
from bayes_mmm.inference.diagnostics import (
    CompileWarning,
    Diagnostics,
    diagnose,
    warn_problems,
)
from bayes_mmm.inference.idata import data_groups, stacked, unstack
from bayes_mmm.inference.samplers import (
    APPROXIMATE_SAMPLERS,
    GEO_TARGET_ACCEPT,
    GEO_TARGET_ACCEPT_MIN_GEOS,
    SAMPLERS,
    TARGET_ACCEPT,
)
from bayes_mmm.inference.samplers import run as run_sampler
from bayes_mmm.logs import log
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import build_model, check_rows, resolve_priors
from bayes_mmm.model.design import make_design
from bayes_mmm.model.forward import BETA, Forward
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec


@dataclass(frozen=True, eq=False)
class MMMFit:
    """A fitted model: the ArviZ DataTree plus the data, spec and priors that produced it."""

    idata: xr.DataTree
    data: MMMData
    spec: ModelSpec
    priors: dict[str, Prior]
    diagnostics: Diagnostics

    @property
    def scales(self) -> Scales:
        return Scales.from_data(self.data)

    @property
    def posterior(self) -> xr.Dataset:
        return self.idata["posterior"].to_dataset()

    def draws(self, *names: str) -> dict[str, np.ndarray]:
        """Posterior draws as ``(sample, ...)`` numpy arrays."""
        return stacked(self.posterior, names)

    def forward(self) -> Forward:
        """The numpy forward model at this fit's draws (``bayes_mmm.model.forward``)."""
        return self._forward

    @cached_property
    def _forward(self) -> Forward:
        return Forward(self.spec, self.scales, self.draws(*self.posterior.data_vars))

    def model(self) -> pm.Model:
        """The PyMC model (rebuilt; identical to the one that was sampled)."""
        return build_model(self.data, self.spec, self.priors)

    def __repr__(self) -> str:
        d = self.data
        return (
            f"MMMFit({d.n_dates} {'weeks' if d.period_days == 7 else 'days'}, "
            f"channels={list(d.channels)}, controls={list(d.control_names)}; {self.diagnostics})"
        )

    def _repr_html_(self) -> str:  # Jupyter: data, sampler health, priors
        from bayes_mmm.htmlreport.views import fit_html

        return fit_html(self)


def _with_beta(posterior: xr.Dataset, data: MMMData, spec: ModelSpec) -> xr.Dataset:
    """Add ``beta`` (weekly contribution at saturation, outcome units) to the posterior:
    ``(channel,)``, or ``(geo, channel)`` for a geo fit."""
    if data.n_geos > 1:
        from bayes_mmm.analysis.geo import window_beta

        b = window_beta(posterior, data, spec)
        coords = {D.GEO: list(data.geos), D.CHANNEL: list(data.channels)}
        return posterior.assign({BETA: unstack(b, posterior, (D.GEO, D.CHANNEL), coords)})
    params = stacked(posterior, spec.channel_params)
    params[BETA] = np.zeros_like(params[D.ROI])
    b = Forward(spec, Scales.from_data(data), params).beta(data.spend)
    da = unstack(b, posterior, (D.CHANNEL,), {D.CHANNEL: list(data.channels)})
    return posterior.assign({BETA: da})


def from_draws(
    values: dict[str, np.ndarray],
    data: MMMData,
    spec: ModelSpec,
    priors: dict[str, Prior],
    *,
    sampler: str,
    chains: int = 1,
) -> MMMFit:
    """An :class:`MMMFit` from parameter draws that were not sampled by MCMC (prior draws,
    given values): ``values[name]`` is ``(draws, ...)`` in model units, split evenly over
    ``chains``; no divergences, convergence diagnostics NaN."""
    n = len(next(iter(values.values())))
    if n % chains:
        raise ValueError(f"{n} draws cannot be split evenly over {chains} chains")
    per_chain = n // chains
    coords = {
        D.CHAIN: np.arange(chains),
        D.DRAW: np.arange(per_chain),
        D.CHANNEL: list(data.channels),
        D.CONTROL: list(data.control_names),
        D.FOURIER: make_design(data, spec).fourier_names,
    }
    posterior = xr.Dataset(
        {
            k: (
                (D.CHAIN, D.DRAW, *([D.PARAM_DIMS[k]] if k in D.PARAM_DIMS else [])),
                np.asarray(v, dtype=float).reshape(chains, per_chain, *np.shape(v)[1:]),
            )
            for k, v in values.items()
        },
        coords={k: v for k, v in coords.items() if len(v)},
    )
    stats = xr.Dataset(
        {"diverging": ((D.CHAIN, D.DRAW), np.zeros((chains, per_chain), dtype=bool))},
        coords={D.CHAIN: coords[D.CHAIN], D.DRAW: coords[D.DRAW]},
    )
    nan = float("nan")
    diag = Diagnostics(nan, nan, 0, nan, 0.0, chains=chains, draws=per_chain, sampler=sampler)
    return assemble(posterior, stats, data, spec, priors, diag)


def assemble(
    posterior: xr.Dataset,
    sample_stats: xr.Dataset,
    data: MMMData,
    spec: ModelSpec,
    priors: dict[str, Prior],
    diagnostics: Diagnostics,
) -> MMMFit:
    """Package sampled draws and the inputs as an :class:`MMMFit` (DataTree with our schema)."""
    import json

    groups = {"posterior": _with_beta(posterior, data, spec), "sample_stats": sample_stats}
    groups.update(data_groups(data, Scales.from_data(data)))
    tree = xr.DataTree.from_dict(groups)
    tree.attrs.update(
        {
            D.ATTR_SPEC: spec.to_json(),
            D.ATTR_DATA: data.meta_json(),
            D.ATTR_PRIORS: json.dumps({k: p.to_dict() for k, p in priors.items()}),
            D.ATTR_DIAGNOSTICS: diagnostics.to_json(),
            D.ATTR_VERSION: version("bayes-mmm"),
            D.ATTR_SPEND_UNIT: SPEND_UNIT,
        }
    )
    return MMMFit(idata=tree, data=data, spec=spec, priors=priors, diagnostics=diagnostics)


def fit(
    data: MMMData,
    spec: ModelSpec | None = None,
    *,
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int | None = None,
    target_accept: float | None = None,
    sampler: str = "nutpie",
    progress: bool = True,
    init: MMMFit | None = None,
) -> MMMFit:
    """Sample the posterior of the MMM for ``data`` with NUTS.

    ``sampler`` (see ``bayes_mmm.inference.samplers``): ``"nutpie"`` (default; falls back to
    PyMC's NUTS if nutpie is not installed), ``"pymc"``, ``"numpyro"`` (needs numpyro), or the
    fast *approximate* ``"laplace"`` and ``"advi"`` (one chain of independent draws; the
    diagnostics say ``approximate``; for iterating, not for reporting). Diagnostics are
    computed after sampling and a ``SamplingWarning`` with advice is raised when they are poor.
    ``target_accept`` defaults to :func:`default_target_accept` (0.9; 0.95 with 8+ geos or
    the delayed adstock). ``init``: an earlier fit of a model with the same parameters (e.g.
    before a lift test was added): each chain starts at one of its posterior draws, which
    spares the warm-up the search for the posterior (nutpie; see
    ``bayes_mmm.inference.start``). The draws differ from a cold start's with the same seed.
    """
    spec = spec or ModelSpec()
    if target_accept is None:
        target_accept = default_target_accept(data, spec)
    _check_arguments(sampler, chains, draws, tune, target_accept)
    check_rows(data, spec)
    priors = resolve_priors(data, spec)
    model = build_model(data, spec, priors)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)
    kwargs = dict(chains=chains, draws=draws, tune=tune, seed=seed)
    kwargs.update(target_accept=target_accept, progress=progress)
    if init is not None:
        kwargs.update(_warm_start(model, init, sampler, chains, seed))
    sampler, result = _sample(sampler, model, kwargs)
    compile_path, fallback = _compile_report(result)
    diag = diagnose(
        result.posterior,
        result.sample_stats,
        sampling_seconds=result.sampling_seconds,
        compile_seconds=result.compile_seconds,
        sampler=sampler,
        warn=not result.approximate,
        compile_path=compile_path,
        compile_fallback=fallback,
    )
    compiled = {k: result.info[k] for k in ("compile_path", "compile_cache") if k in result.info}
    start = "earlier fit" if "start" in kwargs else ""
    diag = dataclasses.replace(diag, **compiled, target_accept=target_accept, start=start)
    if result.approximate:
        ess = min(diag.min_ess_bulk, result.info.get("importance_ess", np.inf))
        diag = dataclasses.replace(diag, approximate=True, min_ess_bulk=float(ess))
        warn_problems(diag)
    log.info("%s", diag)
    return assemble(result.posterior, result.sample_stats, data, spec, priors, diag)


def _warm_start(model: pm.Model, init: MMMFit, sampler: str, chains: int, seed: int) -> dict:
    """``{"start": points}`` for nutpie (see ``bayes_mmm.inference.start``), else nothing."""
    from bayes_mmm.inference.start import start_points

    if sampler != "nutpie":
        log.info("init= starts nutpie's chains only; %s starts as usual", sampler)
        return {}
    points = start_points(model, init, chains, seed)
    if points is None:
        return {}
    log.info("starting each chain at a posterior draw of the earlier fit")
    return {"start": points}


def default_target_accept(data: MMMData, spec: ModelSpec | None = None) -> float:
    """NUTS target acceptance when the user sets none: 0.9, and 0.95 for data with 8 or more
    geos, where the non-centred spread of ROI across geos (``roi_geo_sd``) limits the ESS
    and mixes better with the smaller steps (docs/defaults.md: 8 geos, min bulk ESS 518-1002
    -> 759-1245; fewer geos gain nothing), or more where the spec's adstock form asks for it
    (the delayed adstock: 0.95)."""
    many = data.n_geos >= GEO_TARGET_ACCEPT_MIN_GEOS
    by_data = GEO_TARGET_ACCEPT if many else TARGET_ACCEPT
    by_form = (spec or ModelSpec()).adstock_component.target_accept
    return max(by_data, by_form or 0.0)


def _check_arguments(sampler: str, chains: int, draws: int, tune: int, target_accept: float):
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    if chains < 1 or draws < 1 or tune < 0:
        raise ValueError("chains and draws must be positive and tune non-negative")
    if not 0 < target_accept < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {target_accept}")


def _sample(sampler: str, model: pm.Model, kwargs: dict):
    """``(sampler used, SamplerResult)``: nutpie falls back to PyMC's NUTS when missing."""
    chains, draws, tune = kwargs["chains"], kwargs["draws"], kwargs["tune"]
    if sampler in APPROXIMATE_SAMPLERS:
        log.info("APPROXIMATE posterior (%s): %d independent draws", sampler, chains * draws)
    else:
        log.info("sampling %d chains x %d draws (+%d tune) with %s", chains, draws, tune, sampler)
    try:
        return sampler, run_sampler(sampler, model, **kwargs)
    except ImportError as err:
        if sampler != "nutpie":  # e.g. numpyro not installed: a usage error, said plainly
            raise ValueError(str(err)) from err
        log.warning("nutpie unavailable (%s); falling back to PyMC's NUTS", err)
        kwargs = {k: v for k, v in kwargs.items() if k != "start"}  # nutpie's only
        return "pymc", run_sampler("pymc", model, **kwargs)


def _compile_report(result) -> tuple[str, str]:
    """How the model was compiled, and why the fast path was not used (with a warning:
    nutpie's own compiler costs ~15 s per fit)."""
    compile_path = result.info.get("compile_path", "")
    fallback = result.info.get("fallback_reason", "") if compile_path == "nutpie" else ""
    if fallback and fallback != "disabled":
        warnings.warn(
            f"bayes_mmm's fast compile path was not used ({fallback}); nutpie's own compiler "
            f"took {result.compile_seconds:.1f} s. Please report this with the reason.",
            CompileWarning,
            stacklevel=4,
        )
    return compile_path, fallback
