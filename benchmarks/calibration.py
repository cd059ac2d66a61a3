"""Calibration study: how often do bayes_mmm's ROI intervals cover the truth?

Simulates a grid of data sets with bayes_mmm's simulator (78-260 weeks, 3-8 channels, noise
3-12% of the mean outcome, independent or correlated spend, always-on / flighted / growing
channels, decays 0.1-0.8, half-saturations 0.5-1.8x mean spend over all weeks, slopes 0.8-2.5,
ROIs 0.3-3), fits each with the default model and reports coverage of the 50/80/90% ROI
intervals, relative ROI errors, contribution-share errors, divergences, r_hat and wall time;
and the same coverage and error for the marginal ROI (what the data identify best: for an
always-on channel ROI is an extrapolation to zero spend, marginal ROI is not).

    python benchmarks/calibration.py --n 36 --out benchmarks/results/calibration
    python benchmarks/calibration.py --quick          # 6 small data sets, short chains
    python benchmarks/calibration.py --n 36 --oracle --out benchmarks/results/calibration_oracle
    python benchmarks/calibration.py --n 36 --lift-tests always_on,growing \
        --out benchmarks/results/calibration_lift

Variants (``--spec``, ``--oracle``, ``--lift-tests``): see ``calibration_variants.py``.

Writes ``<out>/calibration_channels.csv`` (one row per data set x channel),
``<out>/calibration_datasets.csv`` (one row per data set), ``<out>/calibration.md`` and
``<out>/calibration.png`` (nominal vs empirical coverage). Every output names the study
(``study`` column / key: ``default``, ``spec``, ``oracle``, with ``+lift`` for lift tests).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from calibration_variants import Variant, add_arguments, from_arguments

import bayes_mmm as bm
from bayes_mmm.analysis.mroi import mroi_values
from bayes_mmm.budget.synthetic import truth_fit

LEVELS = (0.5, 0.8, 0.9)
PATTERN_MIX = ("always_on", "always_on", "flighted", "growing")


def scenario(i: int, seed: int = 0) -> dict:
    """The i-th simulated data set's settings (deterministic)."""
    rng = np.random.default_rng([seed, i])
    n_ch = int(rng.integers(3, 9))
    patterns = [str(rng.choice(PATTERN_MIX)) for _ in range(n_ch)]
    if "flighted" not in patterns and rng.random() < 0.5:
        patterns[int(rng.integers(n_ch))] = "flighted"
    return {
        "id": i,
        "n_weeks": int(rng.choice([78, 104, 156, 208, 260])),
        "channels": [f"ch{j}" for j in range(n_ch)],
        "patterns": patterns,
        "noise": float(rng.uniform(0.03, 0.12)),
        "spend_correlation": float(rng.choice([0.0, 0.6])),
        "media_share": float(rng.uniform(0.2, 0.5)),
        "seed": int(rng.integers(1_000_000)),
    }


def simulate(sc: dict) -> bm.Simulation:
    return bm.simulate(
        sc["n_weeks"],
        sc["channels"],
        sc["patterns"],
        noise=sc["noise"],
        spend_correlation=sc["spend_correlation"],
        media_share=sc["media_share"],
        seed=sc["seed"],
        baseline=sc.get("baseline", "linear"),  # benchmarks/baseline_grid.py
        trend=sc.get("trend", 0.1),
    )


def _covered(draws: np.ndarray, truth: float, level: float) -> tuple[bool, float]:
    """Whether the central ``level`` interval of ``draws`` holds ``truth``; its width / truth."""
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return bool(lo <= truth <= hi), (hi - lo) / truth


def evaluate(sc: dict, draws: int, tune: int, chains: int, variant: Variant) -> list[dict]:
    """Simulate one scenario, fit it as ``variant`` says and score every channel."""
    sim = simulate(sc)
    data, spec, tested = variant.prepare(sim, sc)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.fit(
            data, spec, chains=chains, draws=draws, tune=tune, seed=sc["id"], progress=False
        )
    wall = time.perf_counter() - t0
    roi = bm.roi_draws(fit).stack(sample=("chain", "draw")).transpose("sample", "channel").values
    contrib = bm.contributions(fit).sel(component=list(data.channels)).sum("date")
    share = (contrib / contrib.sum("component")).mean(("chain", "draw")).values
    true_c = sim.truth.contributions[list(data.channels)].sum().to_numpy()
    true_share = true_c / true_c.sum()
    mroi = bm.mroi_draws(fit).stack(sample=("chain", "draw")).transpose("sample", "channel")
    mroi, true_mroi = mroi.values, mroi_values(truth_fit(sim))[0]
    d = fit.diagnostics
    rows = []
    for j, ch in enumerate(data.channels):
        truth = sim.truth.roi[j]
        draws_j = roi[:, j]
        row = {
            "study": variant.study,
            "dataset": sc["id"],
            "channel": ch,
            "lift_test": bool(tested[j]),
            "pattern": sc["patterns"][j],
            "n_weeks": sc["n_weeks"],
            "n_channels": len(data.channels),
            "noise": sc["noise"],
            "spend_correlation": sc["spend_correlation"],
            "media_share": sc["media_share"],
            "true_roi": truth,
            "roi_mean": draws_j.mean(),
            "roi_median": np.median(draws_j),
            "rel_error": abs(draws_j.mean() - truth) / truth,
            "rel_error_median": abs(np.median(draws_j) - truth) / truth,
            "share_error": abs(share[j] - true_share[j]),
            "true_mroi": true_mroi[j],
            "mroi_mean": mroi[:, j].mean(),
            "mroi_rel_error": abs(mroi[:, j].mean() - true_mroi[j]) / true_mroi[j],
            "mroi_covered_90": _covered(mroi[:, j], true_mroi[j], 0.9)[0],
            "true_decay": sim.truth.decay[j],
            "true_half_sat": sim.truth.half_saturation[j],  # x all-week mean spend
            "true_slope": sim.truth.slope[j],
            "divergences": d.divergences,
            "max_r_hat": d.max_r_hat,
            "min_ess": d.min_ess_bulk,
            "steps_per_draw": d.steps_per_draw,
            "wall_seconds": wall,
        }
        for level in LEVELS:
            covered, width = _covered(draws_j, truth, level)
            row[f"covered_{int(level * 100)}"], row[f"width_{int(level * 100)}"] = covered, width
        rows.append(row)
    return rows


def summarise(channels: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    by_ds = channels.groupby("dataset").agg(
        study=("study", "first"),
        n_weeks=("n_weeks", "first"),
        n_channels=("n_channels", "first"),
        noise=("noise", "first"),
        corr=("spend_correlation", "first"),
        median_rel_error=("rel_error", "median"),
        cover_90=("covered_90", "mean"),
        mroi_median_rel_error=("mroi_rel_error", "median"),
        share_error=("share_error", "mean"),
        divergences=("divergences", "first"),
        max_r_hat=("max_r_hat", "first"),
        min_ess=("min_ess", "first"),
        steps=("steps_per_draw", "first"),
        wall=("wall_seconds", "first"),
    )
    clean = (by_ds.divergences == 0) & (by_ds.max_r_hat <= 1.01)
    overall = {
        "study": str(channels.study.iloc[0]),
        "datasets": len(by_ds),
        "channels": len(channels),
        **{
            f"coverage_{int(lv * 100)}": float(channels[f"covered_{int(lv * 100)}"].mean())
            for lv in LEVELS
        },
        "median_rel_error": float(channels.rel_error.median()),
        "p90_rel_error": float(channels.rel_error.quantile(0.9)),
        "min_dataset_median_rel_error": float(by_ds.median_rel_error.min()),
        "max_dataset_median_rel_error": float(by_ds.median_rel_error.max()),
        "datasets_median_error_le_0.15": float((by_ds.median_rel_error <= 0.15).mean()),
        "mean_share_error": float(channels.share_error.mean()),
        "mroi_coverage_90": float(channels.mroi_covered_90.mean()),
        "mroi_median_rel_error": float(channels.mroi_rel_error.median()),
        "datasets_mroi_median_error_le_0.15": float((by_ds.mroi_median_rel_error <= 0.15).mean()),
        "fits_clean": float(clean.mean()),
        "total_divergences": int(by_ds.divergences.sum()),
        "max_r_hat": float(by_ds.max_r_hat.max()),
        "median_wall_seconds": float(by_ds.wall.median()),
    }
    return by_ds, overall


def plot(channels: pd.DataFrame, path: Path, study: str = "default") -> None:
    from bayes_mmm.plots.checking import calibration

    fig = calibration(channels, LEVELS)
    if study != "default":
        fig.axes[0].set_title(f"ROI interval calibration ({study})")
    bm.io.write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))


def write_outputs(
    channels: pd.DataFrame, by_ds: pd.DataFrame, overall: dict, variant: Variant, out: Path
) -> None:
    """The per-channel and per-data-set CSVs, the summary (JSON, markdown) and the plot."""
    bm.io.write_csv(channels, out / "calibration_channels.csv")
    bm.io.write_csv(by_ds.reset_index(), out / "calibration_datasets.csv")
    bm.io.write_json(overall, out / "calibration_summary.json")
    plot(channels, out / "calibration.png", variant.study)
    md = [f"# {variant.title}", "", "| metric | value |", "|---|---|"] + [
        f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |"
        for k, v in overall.items()
    ]
    bm.io.write_atomic(out / "calibration.md", lambda tmp: tmp.write_text("\n".join(md) + "\n"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=36, help="number of simulated data sets")
    p.add_argument("--start", type=int, default=0, help="first data set index")
    p.add_argument("--seed", type=int, default=0, help="grid seed")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--quick", action="store_true", help="6 data sets, 500 draws")
    add_arguments(p)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/calibration"))
    p.add_argument("--workers", type=int, help="fit the data sets in parallel on N Dask workers")
    p.add_argument("--scheduler", metavar="ADDRESS", help="... or on this Dask cluster")
    a = p.parse_args(argv)
    if a.quick:
        a.n, a.draws, a.tune = 6, 500, 500
    variant = from_arguments(a)
    a.out.mkdir(parents=True, exist_ok=True)
    rows = []
    t_all = time.perf_counter()
    scenarios = [scenario(i, a.seed) for i in range(a.start, a.start + a.n)]
    tasks = [(sc, a.draws, a.tune, a.chains, variant) for sc in scenarios]
    if a.scheduler or a.workers:  # the batch engine (bayes_mmm.batch): all fits in parallel
        results = bm.batch.map_tasks(evaluate, tasks, engine=a.scheduler or a.workers)
    else:
        results = (evaluate(*t) for t in tasks)  # one by one, a line as each finishes
    for i, (sc, result) in enumerate(zip(scenarios, results, strict=True), start=a.start):
        rows += result
        last = pd.DataFrame(rows)
        cur = last[last.dataset == i]
        print(
            f"[{i - a.start + 1}/{a.n}] {sc['n_weeks']}w x {len(sc['channels'])}ch "
            f"noise {sc['noise']:.2f} corr {sc['spend_correlation']:.1f}: "
            f"cover90 {cur.covered_90.mean():.2f} med err {cur.rel_error.median():.3f} "
            f"(mROI {cur.mroi_rel_error.median():.3f}) "
            f"div {int(cur.divergences.iloc[0])} rhat {cur.max_r_hat.iloc[0]:.3f} "
            f"{cur.wall_seconds.iloc[0]:.0f}s",
            file=sys.stderr,
            flush=True,
        )
    channels = pd.DataFrame(rows)
    by_ds, overall = summarise(channels)
    overall["total_wall_seconds"] = time.perf_counter() - t_all
    overall.update(variant.summary)
    write_outputs(channels, by_ds, overall, variant, a.out)
    print(json.dumps(overall, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
