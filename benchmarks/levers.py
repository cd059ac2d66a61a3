"""Speed levers, measured one at a time on bayes_mmm's default model.

    .venv/bin/python benchmarks/levers.py                # all levers, ~20 min on 2 cores
    .venv/bin/python benchmarks/levers.py --only adstock,compile

Each measurement runs in a fresh subprocess. Data: the data sets of
``compare_pymc_marketing.py`` (104x4, 156x5, 208x8; simulated with Hill saturation).
Levers (the default is marked in the table it writes):

- ``parametrisation``: the sampled ``level`` with the intercept prior as a potential (default)
  vs the direct intercept; diagonal mass matrix so only the geometry changes.
- ``adaptation``: nutpie's diagonal vs low-rank mass matrix adaptation, 2 seeds per data set.
- ``adstock``: lag stack times weights summed over the lag axis (default) vs one einsum (a
  batched matrix product) vs ``l_max`` shifted slices of the spend (no lag stack in memory).
- ``deterministics``: per-date channel contributions stored in the trace vs none (default).
- ``compile``: nutpie's own numba compile vs bayes_mmm's cached trampolines (cold: empty
  bayes_mmm cache; warm) vs nutpie's JAX backend.
- ``float32``: pytensor ``floatX=float32``.
- ``init``: nutpie's default start (support point + jitter) vs starting at the posterior
  mode; tune 1000 (default) vs 500.
- ``samplers``: PyMC's NUTS, NumPyro (JAX) through PyMC, and the approximate laplace/advi.

Writes ``<out>/levers.csv`` and ``<out>/levers.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LEVERS = (
    "parametrisation",
    "adaptation",
    "adstock",
    "deterministics",
    "compile",
    "float32",
    "init",
    "samplers",
)


# ---- model variants ---------------------------------------------------------------------------
def _register_adstock_forms() -> None:
    """The geometric adstock computed two other ways, registered as components of their own
    (``ModelSpec(adstock="geometric_einsum")``): the registry, not a patch, picks the form."""
    import pytensor.tensor as pt

    from bayes_mmm.model import components
    from bayes_mmm.model.components.adstock.geometric import GeometricAdstock

    class EinsumGeometric(GeometricAdstock):
        name = "geometric_einsum"

        def forward_pt(self, x_lagged, p, n_lags):
            return pt.einsum("ltc,lc->tc", x_lagged, self.weights_pt(p, n_lags))

    class SlicesGeometric(GeometricAdstock):
        name = "geometric_slices"

        def forward_pt(self, x_lagged, p, n_lags):
            w = self.weights_pt(p, n_lags)
            x = x_lagged[0]
            n = x.shape[0]
            out = w[0][None, :] * x
            for lag in range(1, n_lags):
                shifted = pt.concatenate([pt.zeros((lag, x.shape[1])), x[: n - lag]], axis=0)
                out = out + w[lag][None, :] * shifted
            return out

    components.register(EinsumGeometric())
    components.register(SlicesGeometric())


def _patch_direct_form():
    """The direct form: intercept sampled, media enter with their window means (a change of
    the builder's wiring, not a component: patched into ``bayes_mmm.model.build``)."""
    import pymc as pm

    from bayes_mmm.model import build as B
    from bayes_mmm.model import dims as D

    original = B.add_media

    def add_media(ctx, design, spec, target_scale):
        media, media_mean = original(ctx, design, spec, target_scale)
        return media + media_mean[None, :], media_mean * 0.0

    def add_level(ctx, media_mean):
        intercept = ctx.add_prior(D.INTERCEPT)
        pm.Deterministic("level", intercept + media_mean.sum())
        return intercept

    B.add_media, B.add_level = add_media, add_level


def _patch_deterministics():
    import pymc as pm

    from bayes_mmm.model import build as B
    from bayes_mmm.model import dims as D

    original = B.add_media

    def add_media(ctx, design, spec, target_scale):
        media, media_mean = original(ctx, design, spec, target_scale)
        pm.Deterministic(
            "channel_contribution", media + media_mean[None, :], dims=(D.DATE, D.CHANNEL)
        )
        return media, media_mean

    B.add_media = add_media


# ---- worker ------------------------------------------------------------------------------------
def _data(name: str):
    from compare_pymc_marketing import simulate_dataset

    return simulate_dataset(name).to_data()


def _nuts_metrics(posterior, stats) -> dict:
    import arviz as az
    import numpy as np

    vals = lambda ds: np.concatenate([np.ravel(v.values) for v in ds.data_vars.values()])  # noqa: E731
    free = [
        v for v in posterior.data_vars if v not in ("intercept", "level", "channel_contribution")
    ]
    post = posterior[free]
    steps = stats["n_steps"].values if "n_steps" in stats else np.array([np.nan])
    return {
        "min_ess_bulk": float(vals(az.ess(post, method="bulk")).min()),
        "max_r_hat": float(vals(az.rhat(post)).max()) if post.sizes["chain"] > 1 else float("nan"),
        "divergences": int(np.asarray(stats["diverging"]).sum()),
        "steps_per_draw": float(np.mean(steps)),
    }


def eval_us(compiled, n: int = 2000) -> float:
    """Median time of one logp+gradient evaluation through nutpie's C entry point (us)."""
    import ctypes

    import numpy as np

    dbl = ctypes.POINTER(ctypes.c_double)
    proto = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_uint64, dbl, dbl, dbl, ctypes.c_void_p)
    fn = proto(compiled.compiled_logp_func.address)
    x = np.ascontiguousarray(compiled.initial_point_func(1), dtype=float)
    grad, value = np.zeros(compiled.n_dim), np.zeros(1)
    args = (len(x), x.ctypes.data_as(dbl), grad.ctypes.data_as(dbl), value.ctypes.data_as(dbl))
    ptr = compiled.user_data.ctypes.data
    batches = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(*args, ptr)
        batches.append((time.perf_counter() - t0) / n * 1e6)
    return float(np.median(batches))


def worker(cfg: dict) -> dict:
    t0 = time.perf_counter()
    import warnings

    warnings.simplefilter("ignore")
    import nutpie

    from bayes_mmm.inference import samplers
    from bayes_mmm.inference._compile.fast import compile_nutpie
    from bayes_mmm.model.build import build_model
    from bayes_mmm.model.spec import ModelSpec

    out = {"t_import": time.perf_counter() - t0}
    variant = cfg.get("variant", "")
    spec = ModelSpec()
    if variant == "direct":
        _patch_direct_form()
    elif variant in ("einsum", "slices"):
        _register_adstock_forms()
        spec = ModelSpec(adstock=f"geometric_{variant}")
    elif variant == "deterministics":
        _patch_deterministics()
    data = _data(cfg["dataset"])
    t1 = time.perf_counter()
    model = build_model(data, spec)
    kind = cfg.get("kind", "nutpie")
    common = dict(chains=4, draws=1000, tune=cfg.get("tune", 1000), seed=cfg["seed"])
    if kind in ("pymc", "numpyro", "laplace", "advi"):
        res = samplers.run(kind, model, target_accept=0.8, progress=False, **common)
        out.update(t_compile=res.compile_seconds, t_sample=res.sampling_seconds)
        if res.approximate:
            ess = res.info.get("importance_ess", float("nan"))
            out.update(min_ess_bulk=ess, divergences=0, approximate=True)
        else:
            out.update(_nuts_metrics(res.posterior, res.sample_stats))
        out["t_total"] = time.perf_counter() - t1
        return out
    t2 = time.perf_counter()
    if kind == "jax":
        compiled = nutpie.compile_pymc_model(model, backend="jax", gradient_backend="pytensor")
        path = "jax"
    else:
        compiled, info = compile_nutpie(model, fast=(kind != "nutpie_std"))
        path = info.path + (f" ({info.cache})" if info.path == "fast" else "")
    out["t_compile"] = time.perf_counter() - t2
    out["compile_path"] = path
    if cfg.get("eval_us", True) and kind != "jax":
        out["logp_grad_us"] = eval_us(compiled)
    if cfg.get("init") == "mode":  # every chain starts at the mode (+ small jitter)
        import dataclasses

        import numpy as np
        from scipy.optimize import minimize

        t3 = time.perf_counter()
        f = samplers._neg_logp_and_grad(compiled)
        mode = minimize(f, compiled.initial_point_func(0), jac=True, method="L-BFGS-B").x

        def at_mode(seed):
            return mode + np.random.default_rng(seed).uniform(-0.05, 0.05, mode.shape)

        compiled = dataclasses.replace(compiled, initial_point_func=at_mode)
        out["t_mode"] = time.perf_counter() - t3
    t3 = time.perf_counter()
    trace = nutpie.sample(
        compiled,
        **{k: v for k, v in common.items() if k != "seed"},
        seed=common["seed"],
        adaptation=cfg.get("adaptation", samplers.NUTPIE_ADAPTATION),
        progress_bar=False,
        cores=2,
    )
    out["t_sample"] = time.perf_counter() - t3
    post = trace["posterior"].to_dataset()
    out.update(_nuts_metrics(post, trace["sample_stats"].to_dataset()))
    out["trace_mb"] = float(sum(v.nbytes for v in post.data_vars.values()) / 2**20)
    out["t_total"] = time.perf_counter() - t1
    return out


# ---- the grid ---------------------------------------------------------------------------------
def grid(only: set[str]) -> list[dict]:
    runs = []
    ds3 = ("104x4", "156x5", "208x8")

    def add(lever, setting, default=False, **cfg):
        if lever in only:
            runs.append({"lever": lever, "setting": setting, "default": default, **cfg})

    for ds in ds3:
        add(
            "parametrisation",
            "level + intercept potential",
            True,
            dataset=ds,
            seed=1,
            adaptation="diag",
        )
        add(
            "parametrisation",
            "direct intercept",
            dataset=ds,
            seed=1,
            adaptation="diag",
            variant="direct",
        )
        for seed in (1, 2):
            add("adaptation", "diag", True, dataset=ds, seed=seed, adaptation="diag")
            add("adaptation", "low_rank", dataset=ds, seed=seed, adaptation="low_rank")
    add("adstock", "lag stack x weights, sum over lags", True, dataset="156x5", seed=1)
    add("adstock", "einsum (batched matrix product)", dataset="156x5", seed=1, variant="einsum")
    add("adstock", "l_max shifted slices", dataset="156x5", seed=1, variant="slices")
    add("deterministics", "none in the trace", True, dataset="208x8", seed=1)
    add(
        "deterministics",
        "per-date channel contributions",
        dataset="208x8",
        seed=1,
        variant="deterministics",
    )
    add("compile", "nutpie compile_pymc_model (numba)", dataset="156x5", seed=1, kind="nutpie_std")
    add("compile", "trampolines, empty bayes_mmm cache", dataset="156x5", seed=1, fresh_cache=True)
    add("compile", "trampolines, warm cache", True, dataset="156x5", seed=1)
    add("compile", "nutpie JAX backend", dataset="156x5", seed=1, kind="jax")
    add("float32", "float64", True, dataset="156x5", seed=1)
    add("float32", "floatX=float32", dataset="156x5", seed=1, float32=True, kind="nutpie_std")
    add("init", "support point + jitter, tune 1000", True, dataset="156x5", seed=1)
    add("init", "start at the posterior mode, tune 1000", dataset="156x5", seed=1, init="mode")
    add("init", "support point + jitter, tune 500", dataset="156x5", seed=1, tune=500)
    add("init", "start at the mode, tune 500", dataset="156x5", seed=1, init="mode", tune=500)
    for kind in ("pymc", "numpyro", "laplace", "advi"):
        add("samplers", kind, dataset="156x5", seed=1, kind=kind)
    add("samplers", "nutpie", True, dataset="156x5", seed=1)
    return runs


def run_cfg(cfg: dict, tmp: Path) -> dict:
    env = dict(os.environ)
    if cfg.get("fresh_cache"):
        cache = tmp / f"cache-{time.time_ns()}"
        env["BAYES_MMM_CACHE_DIR"] = str(cache)
    if cfg.get("float32"):
        env["PYTENSOR_FLAGS"] = "floatX=float32"
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(cfg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    wall = time.perf_counter() - t0
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode or not lines:
        return {"error": (res.stderr or res.stdout)[-600:].replace("\n", " "), "t_process": wall}
    return {**json.loads(lines[-1][7:]), "t_process": wall}


def summarise(df) -> str:
    cols = [
        "t_compile",
        "t_sample",
        "t_total",
        "logp_grad_us",
        "steps_per_draw",
        "divergences",
        "min_ess_bulk",
        "max_r_hat",
        "trace_mb",
    ]
    lines = ["# Speed levers, one at a time", ""]
    for lever in LEVERS:
        sub = df[df.lever == lever]
        if sub.empty:
            continue
        lines += [f"## {lever}", ""]
        have = [c for c in cols if c in sub and sub[c].notna().any()]
        keys = ["setting", "dataset"] + (["seed"] if lever == "adaptation" else [])
        keys += ["adaptation_used"] if "adaptation_used" in sub else []
        table = sub[keys + ["default"] + have + (["error"] if "error" in sub else [])].copy()
        table["default"] = table["default"].map({True: "yes", False: ""})
        if "error" in table:
            table["error"] = table["error"].fillna("").astype(str).str[:80]
        lines += [markdown_table(table), ""]
    return "\n".join(lines) + "\n"


def markdown_table(table) -> str:
    def fmt(v):
        if isinstance(v, float):
            return "" if v != v else f"{v:.3g}"
        return str(v)

    rows = [" | ".join(map(str, table.columns))]
    rows.append("|".join(["---"] * len(table.columns)))
    rows += [" | ".join(fmt(v) for v in rec) for rec in table.itertuples(index=False)]
    return "\n".join(f"| {r} |" if not r.startswith("---") else f"|{r}|" for r in rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--only", default=",".join(LEVERS))
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--append", action="store_true", help="replace only these levers' rows")
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    import pandas as pd
    from compare_pymc_marketing import load, machine

    from bayes_mmm.io import write_atomic, write_csv  # not in the worker's venv

    tmp = args.out / "tmp" / "levers"
    tmp.mkdir(parents=True, exist_ok=True)
    rows, kept = [], []
    csv = args.out / "levers.csv"
    only = set(args.only.split(","))
    if args.append and csv.exists():
        old = pd.read_csv(csv)
        kept = old[~old.lever.isin(only)].to_dict("records")
    header = f"Machine: {machine()}; load average at start {load()}."
    for cfg in grid(only):
        out = run_cfg(cfg, tmp)
        used = cfg.get("adaptation", "diag") if cfg.get("kind", "nutpie") == "nutpie" else ""
        rows.append({**cfg, **out, "adaptation_used": used, "load": load()})
        shown = {k: out.get(k) for k in ("t_compile", "t_sample", "min_ess_bulk", "error")}
        print(
            f"[levers] {cfg['lever']} | {cfg['setting']} | {cfg['dataset']}: {shown}",
            file=sys.stderr,
            flush=True,
        )
        write_csv(pd.DataFrame(kept + rows), csv)
    df = pd.DataFrame(kept + rows)
    title = "# Speed levers, one at a time\n"
    md = summarise(df).replace(title, f"{title}\n{header} Load at end {load()}.\n", 1)
    write_atomic(args.out / "levers.md", lambda tmp: tmp.write_text(md))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
