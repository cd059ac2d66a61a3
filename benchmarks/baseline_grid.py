"""Non-linear baselines: ROI coverage and error of the linear-trend and the smooth baseline.

Data sets of the calibration grid's kind (``calibration.scenario``: 78-260 weeks, 3-8
channels, noise 3-12%, spend patterns, correlations, media shares) whose baseline drifts
non-linearly (``bm.simulate(baseline=...)``: a growth curve, a level shift, a slow cycle, a
COVID-like shock), each fitted with ``ModelSpec(baseline="linear")`` and
``ModelSpec(baseline="smooth")``; both scored by ``calibration.evaluate`` (coverage of the
50/80/90% ROI intervals, relative ROI errors, diagnostics), and ranked by LOO
(``bm.checking.compare_variants``) on the first ``--loo`` data sets.

    python benchmarks/baseline_grid.py --per-shape 5 --out benchmarks/results/baseline_grid

Writes ``<out>/baseline_grid_channels.csv`` (data set x channel x model),
``<out>/baseline_grid.csv`` (summary per model and shape) and ``<out>/baseline_grid.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _table import markdown
from calibration import LEVELS, evaluate, scenario, simulate
from calibration_variants import Variant

import bayes_mmm as bm

SHAPES = ("growth", "level_shift", "cycle", "shock")
SIZES = {"growth": 0.4, "level_shift": 0.25, "cycle": 0.2, "shock": 0.35}
MODELS = ("linear", "smooth")


def scenarios(per_shape: int, seed: int) -> list[dict]:
    out = []
    for k, shape in enumerate(SHAPES):
        for i in range(per_shape):
            sc = scenario(k * per_shape + i, seed + 100)
            out.append({**sc, "baseline": shape, "trend": SIZES[shape]})
    return out


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Coverage, error and health per model, for every shape and over all."""
    parts = []
    groups = list(rows.groupby(["model", "baseline"]))
    groups += [((m, "all"), g) for m, g in rows.groupby("model")]
    for (model, shape), g in groups:
        ds = g.groupby("dataset").first()
        parts.append(
            {
                "model": model,
                "baseline": shape,
                "datasets": len(ds),
                "channels": len(g),
                **{f"coverage_{int(v * 100)}": g[f"covered_{int(v * 100)}"].mean() for v in LEVELS},
                "median_rel_error": g.rel_error.median(),
                "p90_rel_error": g.rel_error.quantile(0.9),
                "mroi_coverage_90": g.mroi_covered_90.mean(),
                "divergences": int(ds.divergences.sum()),
                "fits_with_divergences": int((ds.divergences > 0).sum()),
                "max_r_hat": ds.max_r_hat.max(),
                "min_ess": ds.min_ess.min(),
                "median_wall_seconds": ds.wall_seconds.median(),
            }
        )
    return pd.DataFrame(parts)


def loo_sets(scs: list[dict], n: int, n_linear: int, seed: int) -> list[dict]:
    """``n`` grid data sets spread over the shapes, plus ``n_linear`` with a linear trend
    (the calibration grid's kind: the linear model is the true shape class there)."""
    picked = scs[:: max(len(scs) // max(n, 1), 1)][:n]
    base = len(scs) + 100
    linear = [{**scenario(base + i, seed + 100), "baseline": "linear"} for i in range(n_linear)]
    return picked + linear


def loo_ranks(scs: list[dict], draws: int, tune: int, chains: int) -> pd.DataFrame:
    """``compare_variants`` (LOO) of the two baselines on each data set, with each model's
    median relative ROI error against the truth."""
    rows = []
    for sc in scs:
        sim = simulate(sc)
        variants = {m: bm.ModelSpec(baseline=m) for m in MODELS}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table, fits = bm.checking.compare_variants(
                sim.to_data(), variants, chains=chains, draws=draws, tune=tune, seed=sc["id"]
            )
        err = {
            m: float(
                np.median(
                    np.abs(bm.roi_draws(f).mean(("chain", "draw")).values / sim.truth.roi - 1)
                )
            )
            for m, f in fits.items()
        }
        best_roi = min(err, key=err.get)
        truth = "linear" if sc["baseline"] == "linear" else "smooth"
        row = {"dataset": sc["id"], "baseline": sc["baseline"], "loo_best": table.index[0]}
        row.update(elpd_diff=float(table["elpd_diff"].iloc[1]), dse=float(table["dse"].iloc[1]))
        row.update({f"roi_error_{m}": err[m] for m in MODELS})
        row.update({f"divergences_{m}": int(table.loc[m, "divergences"]) for m in MODELS})
        row.update(
            picks_true_class=table.index[0] == truth, picks_better_roi=table.index[0] == best_roi
        )
        rows.append(row)
        print(f"loo #{sc['id']} {sc['baseline']}: {row}", file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def robyn_loo(draws: int, tune: int, chains: int) -> dict:
    """LOO of the two baselines on Robyn's demo data (as ``public_data.py`` fits it; no
    truth: only the ranking and the sampler health)."""
    from public_data import robyn_data

    variants = {m: bm.ModelSpec(baseline=m) for m in MODELS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, _ = bm.checking.compare_variants(
            robyn_data(), variants, chains=chains, draws=draws, tune=tune, seed=1
        )
    row = {"dataset": "robyn", "baseline": "unknown", "loo_best": table.index[0]}
    row.update(elpd_diff=float(table["elpd_diff"].iloc[1]), dse=float(table["dse"].iloc[1]))
    row.update({f"divergences_{m}": int(table.loc[m, "divergences"]) for m in MODELS})
    print(f"loo robyn: {row}", file=sys.stderr, flush=True)
    return row


def write_loo(a, scs: list[dict]) -> None:
    """``<out>/baseline_grid_loo.csv`` and ``.md``: the LOO ranking per data set."""
    t0 = time.perf_counter()
    loo = loo_ranks(scs, a.draws, a.tune, a.chains)
    if a.loo_robyn:
        loo = pd.concat([loo, pd.DataFrame([robyn_loo(a.draws, a.tune, a.chains)])])
    bm.io.write_csv(loo, a.out / "baseline_grid_loo.csv")
    wins = loo.loo_best.value_counts().to_dict()
    n_sim = int(loo.picks_true_class.notna().sum())
    md = [
        "# LOO (compare_variants): linear trend vs smooth baseline",
        "",
        f"{len(loo)} data sets, {a.chains} chains x {a.draws} draws ({a.tune} tune), "
        f"{time.perf_counter() - t0:.0f} s. Best by LOO: {wins}; picks the true shape class "
        f"in {int(loo.picks_true_class.sum())}/{n_sim}, the model with the smaller median "
        f"ROI error in {int(loo.picks_better_roi.sum())}/{n_sim} (simulated sets).",
        "",
        markdown(loo),
    ]
    out = a.out / "baseline_grid_loo.md"
    bm.io.write_atomic(out, lambda tmp: tmp.write_text("\n".join(md) + "\n"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--per-shape", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--loo", type=int, default=0, help="grid data sets to rank by LOO")
    p.add_argument("--loo-linear", type=int, default=0, help="linear-trend data sets for LOO")
    p.add_argument("--loo-robyn", action="store_true", help="LOO on Robyn's demo data too")
    p.add_argument("--loo-only", action="store_true", help="only the LOO ranking")
    p.add_argument("--models", default=",".join(MODELS), help="models to fit (comma-separated)")
    p.add_argument(
        "--keep", action="store_true", help="keep the other models' rows of an earlier run in --out"
    )
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/baseline_grid"))
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    scs, rows, t0 = scenarios(a.per_shape, a.seed), [], time.perf_counter()
    for model in [] if a.loo_only else a.models.split(","):
        variant = Variant(study=model, title=model, spec=bm.ModelSpec(baseline=model))
        for sc in scs:
            got = evaluate(sc, a.draws, a.tune, a.chains, variant)
            rows += [{**r, "model": model, "baseline": sc["baseline"]} for r in got]
            cur = pd.DataFrame(got)
            print(
                f"{model:6s} {sc['baseline']:11s} #{sc['id']:2d} {sc['n_weeks']}w "
                f"{len(sc['channels'])}ch cover90 {cur.covered_90.mean():.2f} "
                f"err {cur.rel_error.median():.3f} div {int(cur.divergences.iloc[0])} "
                f"rhat {cur.max_r_hat.iloc[0]:.3f} ess {cur.min_ess.iloc[0]:.0f} "
                f"{cur.wall_seconds.iloc[0]:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    if a.loo or a.loo_linear or a.loo_robyn:
        write_loo(a, loo_sets(scs, a.loo, a.loo_linear, a.seed))
    if a.loo_only:
        return 0
    channels = pd.DataFrame(rows)
    earlier = a.out / "baseline_grid_channels.csv"
    if a.keep and earlier.exists():
        old = pd.read_csv(earlier)
        channels = pd.concat([old[~old.model.isin(channels.model.unique())], channels])
    table = summary(channels)
    bm.io.write_csv(channels, a.out / "baseline_grid_channels.csv")
    bm.io.write_csv(table, a.out / "baseline_grid.csv")
    md = [
        "# Non-linear baselines: linear trend vs smooth baseline",
        "",
        f"{len(scs)} data sets ({a.per_shape} per shape), {a.chains} chains x {a.draws} draws "
        f"({a.tune} tune); this run ({a.models}) took {time.perf_counter() - t0:.0f} s.",
        "",
        markdown(table),
    ]
    bm.io.write_atomic(a.out / "baseline_grid.md", lambda tmp: tmp.write_text("\n".join(md) + "\n"))
    print(table.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
