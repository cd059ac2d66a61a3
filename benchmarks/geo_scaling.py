"""Scaling of the geo model (issue 14): geos 1 -> 50, channels 4 -> 30, 208 weeks, up to the
peer benchmark's "large" preset (50 geos x 30 channels x 208 weeks, ~310k geo-week-channel
cells).

    .venv/bin/python benchmarks/geo_scaling.py                  # the grid below
    .venv/bin/python benchmarks/geo_scaling.py --cells 1x4,8x4  # some cells
    .venv/bin/python benchmarks/geo_scaling.py --cells 2x4 --weeks 104 --sampler numpyro

Each cell: ``simulate_geo(n_geos=G, n_weeks=208, channels=C)`` fitted with the package
defaults (nutpie, 4 chains) in a fresh process with warm compile caches where the structure
was compiled before. Big cells run fewer draws (the ``CELLS`` table says how many; the report
states it): their full 4 x 1000 (+1000 tune) sampling time is extrapolated from the measured
seconds per iteration (same steps per draw; tuning with few steps makes steps/draw, and so this
estimate, pessimistic rather than optimistic). Reported per phase: data (simulate + checks),
model build, compile, sampling, analysis (``geo_roi_table`` and ``geo_contributions`` over
the draws, as ``bayes-mmm fit --geo`` writes them); peak resident memory after the fit and
after the analysis (analysis memory grows with draws: the 4000-draw figure is extrapolated
linearly from the measured increase); steps per draw, seconds per gradient evaluation (sampling
seconds x busy cores / leapfrog steps, all chains), min bulk ESS, max r_hat, divergences, and
the national ROI error / 90% coverage against the simulator's truth.

Writes ``<out>/geo_scaling.csv`` and ``<out>/geo_scaling.md``.
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

CHAINS = 4
FULL_ITER = 2000  # 1000 tune + 1000 draws, the default fit
# name: (geos, channels, draws, tune)
CELLS = {
    "1x4": (1, 4, 1000, 1000),
    "8x4": (8, 4, 500, 500),
    "20x4": (20, 4, 200, 200),
    "50x4": (50, 4, 150, 150),
    "8x10": (8, 10, 200, 200),
    "8x30": (8, 30, 100, 100),
    "50x30": (50, 30, 100, 100),
}


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(cfg: dict) -> dict:
    """One cell in this (fresh) process: phases, memory, diagnostics, ROI recovery."""
    import warnings

    import numpy as np

    from bayes_mmm.analysis.contributions import contributions
    from bayes_mmm.analysis.geo import geo_contributions, geo_roi_draws
    from bayes_mmm.analysis.roi import roi_draws
    from bayes_mmm.data.simulate_geo import simulate_geo
    from bayes_mmm.inference.fit import fit
    from bayes_mmm.model.build import build_model, check_rows, resolve_priors
    from bayes_mmm.model.spec import ModelSpec

    g, c = cfg["geos"], cfg["channels"]
    t0 = time.perf_counter()
    sim = simulate_geo(n_geos=g, n_weeks=cfg["weeks"], channels=[f"ch{i:02d}" for i in range(c)],
                       seed=500 + g + c)  # fmt: skip
    data = sim.to_data()
    t_data = time.perf_counter() - t0
    t1 = time.perf_counter()
    spec = ModelSpec()
    check_rows(data, spec)
    model = build_model(data, spec, resolve_priors(data, spec))
    t_build = time.perf_counter() - t1
    n_free = int(sum(np.prod(v.shape.eval()) if v.ndim else 1 for v in model.free_RVs))
    if cfg.get("grad_only"):
        return {"n_free": n_free, "t_data": t_data, "t_build": t_build, **_grad_time(model)}
    del model
    t2 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit(data, spec, chains=CHAINS, draws=cfg["draws"], tune=cfg["tune"], seed=1,
                  progress=False, sampler=cfg["sampler"])  # fmt: skip
    t_fit = time.perf_counter() - t2
    rss_fit = _rss_mb()
    t3 = time.perf_counter()
    if g == 1:  # a national fit: the national analysis (analysis.geo needs a geo axis)
        nat = roi_draws(res)
    else:
        nat = geo_roi_draws(res).sel(geo="national")
    lo, hi = (nat.quantile(q, dim=("chain", "draw")).values for q in (0.05, 0.95))
    mean = nat.mean(("chain", "draw")).values
    t_roi = time.perf_counter() - t3
    t4 = time.perf_counter()
    contrib = contributions(res) if g == 1 else geo_contributions(res)
    contrib.mean(("chain", "draw"))
    contrib.quantile([0.05, 0.95], dim=("chain", "draw"))
    del contrib
    t_contrib = time.perf_counter() - t4
    d = res.diagnostics
    truth = sim.truth.roi
    return {
        "n_free": n_free,
        "t_data": t_data,
        "t_build": t_build,
        "t_fit": t_fit,
        "t_compile": d.compile_seconds,
        "t_sample": d.sampling_seconds,
        "t_roi": t_roi,
        "t_contributions": t_contrib,
        "rss_fit_mb": rss_fit,
        "rss_peak_mb": _rss_mb(),
        "steps_per_draw": d.steps_per_draw,
        "min_ess_bulk": d.min_ess_bulk,
        "max_r_hat": d.max_r_hat,
        "divergences": d.divergences,
        "roi_err": float(np.mean(np.abs(mean - truth) / truth)),
        "roi_covered": f"{int(((lo <= truth) & (truth <= hi)).sum())}/{len(truth)}",
    }


def _grad_time(model, n: int = 20) -> dict:
    """Compile the model's log density and gradient (pytensor, one core) and time ``n``
    evaluations at the initial point: for cells too big to sample here."""
    import pytensor

    t0 = time.perf_counter()
    logp = model.logp()
    fn = model.compile_fn([logp, *pytensor.grad(logp, model.value_vars)])
    point = model.initial_point()
    fn(point)
    t_compile = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(n):
        fn(point)
    return {
        "t_compile": t_compile,
        "ms_per_grad_direct": 1e3 * (time.perf_counter() - t1) / n,
        "rss_fit_mb": _rss_mb(),
        "rss_peak_mb": _rss_mb(),
    }


def run(cfg: dict, timeout: int) -> dict:
    t0 = time.perf_counter()
    cmd = [sys.executable, __file__, "--worker", json.dumps(cfg)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s", "t_process": float(timeout)}
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode or not lines:
        return {"error": (res.stderr or res.stdout)[-600:], "t_process": time.perf_counter() - t0}
    return {**json.loads(lines[-1][7:]), "t_process": time.perf_counter() - t0}


def derive(row: dict) -> dict:
    """Per-iteration and per-gradient times, and the 4 x 1000 (+1000) extrapolations."""
    if ("error" in row and isinstance(row["error"], str)) or "ms_per_grad_direct" in row:
        return row
    iters = row["draws"] + row["tune"]
    busy = min(CHAINS, os.cpu_count() or 1)
    row["cells"] = row["geos"] * row["channels"] * row["weeks"]
    row["s_per_iter"] = row["t_sample"] / iters
    row["ms_per_grad"] = 1e3 * row["t_sample"] * busy / (CHAINS * iters * row["steps_per_draw"])
    row["t_sample_full_est"] = row["s_per_iter"] * FULL_ITER
    grow = max(row["rss_peak_mb"] - row["rss_fit_mb"], 0.0)
    row["rss_analysis_full_est_mb"] = row["rss_fit_mb"] + grow * CHAINS * 1000 / (
        CHAINS * row["draws"]
    )
    return row


TIME_COLUMNS = [
    "geos", "channels", "cells", "draws", "tune", "t_process", "t_data", "t_build",
    "t_compile", "t_sample", "t_roi", "t_contributions", "s_per_iter", "ms_per_grad",
    "ms_per_grad_direct",
    "t_sample_full_est", "load_before", "load",
]  # fmt: skip
FIT_COLUMNS = [
    "geos", "channels", "n_free", "steps_per_draw", "min_ess_bulk", "max_r_hat", "divergences",
    "rss_fit_mb", "rss_peak_mb", "rss_analysis_full_est_mb", "roi_err", "roi_covered",
]  # fmt: skip


def report(df, header: str) -> str:
    from levers import markdown_table

    df = df.assign(load_before=df.load_before.str.split().str[0], load=df.load.str.split().str[0])
    fail = df[df["error"].notna()] if "error" in df else df.iloc[:0]
    ok = df.drop(fail.index)
    lines = [
        "# Geo model scaling (benchmarks/geo_scaling.py)",
        "",
        header,
        "",
        "Times in seconds, memory in MB (peak resident set of the fitting process). "
        f"{CHAINS} chains, nutpie; `draws`/`tune` per chain as run (big cells fewer); "
        "`t_sample_full_est` = measured seconds per iteration x 2000 (4 x 1000 + 1000 "
        "tune); `ms_per_grad` = sampling seconds x busy cores / leapfrog steps of all "
        "chains; `rss_analysis_full_est_mb` = memory after the fit + the analysis's "
        "increase scaled to 4000 draws. t_roi = national and geo ROI draws; "
        "t_contributions = per-geo per-date contributions with their mean and 90% band. "
        "load = 1-min load average before/after the cell.",
        "",
        "## Time per phase",
        "",
        markdown_table(ok[[c for c in TIME_COLUMNS if c in ok]]),
        "",
        "## Sampling health, memory, recovery",
        "",
        markdown_table(ok[[c for c in FIT_COLUMNS if c in ok]]),
        "",
    ]
    for _, r in fail.iterrows():
        lines.append(f"- {r.geos} geos x {r.channels} channels failed: {r.error!r}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--cells", default=",".join(CELLS))
    p.add_argument("--weeks", type=int, default=208)
    p.add_argument("--sampler", default="nutpie")
    p.add_argument("--draws", type=int, help="override every cell's draws (and tune)")
    p.add_argument("--grad-only", action="store_true", help="time the gradient, no sampling")
    p.add_argument("--timeout", type=int, default=3000)
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--name", default="geo_scaling")
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    import pandas as pd
    from compare_pymc_marketing import load, machine

    from bayes_mmm.io import write_atomic, write_csv

    header = f"Machine: {machine()}; load average at start {load()}."
    rows = []
    for name in args.cells.split(","):
        g, c, draws, tune = CELLS.get(name) or (*map(int, name.split("x")), 1000, 1000)
        if args.draws:
            draws = tune = args.draws
        cfg = {"geos": g, "channels": c, "weeks": args.weeks, "draws": draws, "tune": tune,
               "sampler": args.sampler, "grad_only": args.grad_only}  # fmt: skip
        before = load()
        row = derive({**cfg, **run(cfg, args.timeout), "load_before": before, "load": load()})
        rows.append(row)
        print(f"[geo-scaling] {name}: " + json.dumps(row, default=str), file=sys.stderr,
              flush=True)  # fmt: skip
        write_csv(pd.DataFrame(rows), args.out / f"{args.name}.csv")
    md = report(pd.DataFrame(rows), f"{header} Load at end {load()}. Sampler: {args.sampler}.")
    write_atomic(args.out / f"{args.name}.md", lambda t: t.write_text(md))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
