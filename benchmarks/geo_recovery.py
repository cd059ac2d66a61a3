"""Recovery study of the geo model: simulated geo data with known truth, fitted (a) with the
hierarchical geo model and (b) aggregated to one national series with the national model,
side by side. Reports national ROI 90% coverage and error of both, geo x channel coverage,
diagnostics and wall times.

    .venv/bin/python benchmarks/geo_recovery.py --seeds 10 --geos 8 --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _table import markdown

from bayes_mmm.analysis.geo import geo_roi_draws
from bayes_mmm.analysis.roi import roi_draws
from bayes_mmm.data.dataset import from_frame
from bayes_mmm.data.simulate_geo import NATIONAL_SHARE, simulate_geo
from bayes_mmm.inference.fit import fit

log = logging.getLogger("geo_recovery")


def _interval(da, prob=0.9):
    q = da.quantile([(1 - prob) / 2, (1 + prob) / 2], dim=("chain", "draw"))
    return q.isel(quantile=0).values, q.isel(quantile=1).values, da.mean(("chain", "draw")).values


def one_case(
    seed: int, n_geos: int, n_weeks: int, draws: int, tune: int, national_share: float
) -> list[dict]:
    """Both fits of one simulated data set: one row per channel and model."""
    sim = simulate_geo(n_geos=n_geos, n_weeks=n_weeks, seed=seed, national_share=national_share)
    truth = sim.truth
    rows = []
    t0 = time.perf_counter()
    geo_fit = fit(sim.to_data(), chains=4, draws=draws, tune=tune, seed=seed, progress=False)
    geo_wall = time.perf_counter() - t0
    log.info("seed %d geo fit: %s (%.1f s)", seed, geo_fit.diagnostics, geo_wall)
    roi = geo_roi_draws(geo_fit)
    lo, hi, mean = _interval(roi.sel(geo="national"))
    glo, ghi, _ = _interval(roi.sel(geo=list(truth.geos)))
    geo_cov = float(((glo <= truth.roi_geo) & (truth.roi_geo <= ghi)).mean())
    nat = sim.national_frame()
    t0 = time.perf_counter()
    nat_data = from_frame(nat, date="date", target="sales", channels=sim.channels,
                          controls=["promo"])  # fmt: skip
    nat_fit = fit(nat_data, chains=4, draws=draws, tune=tune, seed=seed, progress=False)
    nat_wall = time.perf_counter() - t0
    nlo, nhi, nmean = _interval(roi_draws(nat_fit))
    for model, f, lo_, hi_, m_, wall in (
        ("geo", geo_fit, lo, hi, mean, geo_wall),
        ("aggregated", nat_fit, nlo, nhi, nmean, nat_wall),
    ):
        d = f.diagnostics
        for j, ch in enumerate(truth.channels):
            rows.append(
                {
                    "seed": seed,
                    "model": model,
                    "channel": ch,
                    "true_roi": float(truth.roi[j]),
                    "roi_mean": float(m_[j]),
                    "lower": float(lo_[j]),
                    "upper": float(hi_[j]),
                    "covered": bool(lo_[j] <= truth.roi[j] <= hi_[j]),
                    "abs_rel_error": float(abs(m_[j] - truth.roi[j]) / truth.roi[j]),
                    "geo_channel_coverage": geo_cov if model == "geo" else np.nan,
                    "divergences": int(d.divergences),
                    "max_rhat": float(d.max_r_hat),
                    "min_ess_bulk": float(d.min_ess_bulk),
                    "steps_per_draw": float(d.steps_per_draw),
                    "wall_s": wall,
                    "load1": os.getloadavg()[0],
                }
            )
    return rows


def summary(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("model")
    return pd.DataFrame(
        {
            "channel_cases": g.size(),
            "coverage90": g["covered"].mean(),
            "median_abs_rel_error": g["abs_rel_error"].median(),
            "mean_abs_rel_error": g["abs_rel_error"].mean(),
            "geo_channel_coverage90": g["geo_channel_coverage"].mean(),
            "divergences_total": g["divergences"].sum() / 4,  # rows per fit = channels (4)
            "max_rhat": g["max_rhat"].max(),
            "min_ess_bulk": g["min_ess_bulk"].min(),
            "steps_per_draw": g["steps_per_draw"].mean(),
            "median_wall_s": g["wall_s"].median(),
        }
    )


def paired(df: pd.DataFrame) -> str:
    """Geo vs aggregated on the same channel-cases: share where geo's error is lower."""
    err = df.pivot_table(index=["seed", "channel"], columns="model", values="abs_rel_error")
    better = float((err["geo"] < err["aggregated"]).mean())
    ratio = float((err["geo"] / err["aggregated"]).median())
    return (
        f"Paired over {len(err)} channel-cases: geo error lower in {better:.0%}; "
        f"median error ratio geo/aggregated {ratio:.2f}."
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--geos", type=int, default=8)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--national-share", type=float, default=NATIONAL_SHARE)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--tag", default="", help="suffix of the output files' names")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rows += one_case(seed, args.geos, args.weeks, args.draws, args.tune, args.national_share)
        log.info("seed %d done (load %.1f)", seed, os.getloadavg()[0])
        df = pd.DataFrame(rows)
        df.to_csv(args.out / f"geo_recovery{args.tag}.csv", index=False)
    s = summary(df)
    text = [
        "# Geo recovery study (benchmarks/geo_recovery.py)",
        "",
        f"{args.seeds} simulated data sets x 4 channels, {args.geos} geos x {args.weeks} weeks, "
        f"4 chains x {args.draws} draws (+{args.tune} tune); geo model vs the same data summed "
        "to one national series (national model). Coverage: true national ROI inside the 90% "
        "interval; error: |posterior mean - truth| / truth.",
        "",
        markdown(s, index=True),
        "",
        paired(df),
        "",
        f"Machine load at the end: {os.getloadavg()}. Per-case rows: geo_recovery.csv.",
        "",
        "```json",
        json.dumps(vars(args), default=str),
        "```",
    ]
    (args.out / f"geo_recovery{args.tag}.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
