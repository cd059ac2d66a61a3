"""Independent or shared geo noise (``ModelSpec(geo_noise=...)``), side by side on the same
simulated geo data, with and without a weekly shock common to all geos.

For each seed: ``simulate_geo(--geos, --weeks, shared_noise=S)`` for each S in ``--shocks``,
then the default fit (each geo's noise independent) and the shared-noise fit, same draws and
seed. Per fit: the true national ROI inside its 90% interval and the relative error of its
mean (per channel), the geo x channel ROI coverage, the national in-sample predictive
interval's coverage of the national outcome (``bm.fit_quality``), ``sigma_shared`` against
the truth, divergences, r_hat, min bulk ESS and wall time.

    nice -n 5 .venv/bin/python benchmarks/geo_noise.py --seeds 8 --shocks 0,0.03
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _table import markdown
from geo_recovery import _interval

import bayes_mmm as bm
from bayes_mmm.analysis.geo import geo_roi_draws
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.data.simulate_geo import simulate_geo
from bayes_mmm.model.spec import ModelSpec

log = logging.getLogger("geo_noise")
RESULTS = Path(__file__).resolve().parent / "results"


def one_fit(sim, shock: float, noise: str, seed: int, draws: int) -> list[dict]:
    """One fit of ``sim``: a row per channel."""
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = bm.fit(sim.to_data(), ModelSpec(geo_noise=noise), chains=4, draws=draws, tune=draws,
                   seed=seed, progress=False)  # fmt: skip
    wall = time.perf_counter() - t0
    truth, roi = sim.truth, geo_roi_draws(f)
    lo, hi, mean = _interval(roi.sel(geo=NATIONAL))
    glo, ghi, _ = _interval(roi.sel(geo=list(truth.geos)))
    quality = bm.fit_quality(f)
    national_cov = float(quality.loc[quality["geo"] == NATIONAL, "coverage"].iloc[0])
    tau = f.posterior["sigma_shared"] if "sigma_shared" in f.posterior else None
    tau_lo, tau_hi, tau_mean = _interval(tau) if tau is not None else (np.nan,) * 3
    d, geo_cov = f.diagnostics, float(((glo <= truth.roi_geo) & (truth.roi_geo <= ghi)).mean())
    log.info("seed %d shock %.3f %s: %s, national PPC coverage %.2f (%.0f s)", seed, shock,
             noise, d, national_cov, wall)  # fmt: skip
    common = {"seed": seed, "shock": shock, "noise": noise, "divergences": int(d.divergences),
              "max_rhat": float(d.max_r_hat), "min_ess_bulk": float(d.min_ess_bulk),
              "wall_s": wall, "national_ppc_coverage": national_cov,
              "geo_channel_coverage": geo_cov,
              "tau_mean": float(tau_mean), "tau_covered": bool(tau_lo <= shock <= tau_hi)
              if tau is not None else np.nan}  # fmt: skip
    return [
        {**common, "channel": ch, "true_roi": float(truth.roi[j]),
         "covered": bool(lo[j] <= truth.roi[j] <= hi[j]),
         "abs_rel_error": float(abs(mean[j] - truth.roi[j]) / truth.roi[j]),
         "width_rel": float((hi[j] - lo[j]) / truth.roi[j])}
        for j, ch in enumerate(truth.channels)
    ]  # fmt: skip


def summary(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(tau_covered=df["tau_covered"].where(df["shock"] > 0))  # 0: on the boundary
    g = df.groupby(["shock", "noise"])
    per_fit = df.drop_duplicates(["seed", "shock", "noise"]).groupby(["shock", "noise"])
    return pd.DataFrame({
        "channel_cases": g.size(),
        "roi_coverage90": g["covered"].mean(),
        "median_abs_rel_error": g["abs_rel_error"].median(),
        "median_rel_width": g["width_rel"].median(),
        "geo_channel_coverage90": per_fit["geo_channel_coverage"].mean(),
        "national_ppc_coverage90": per_fit["national_ppc_coverage"].mean(),
        "sigma_shared_covered": per_fit["tau_covered"].mean(),
        "divergences_total": per_fit["divergences"].sum(),
        "max_rhat": per_fit["max_rhat"].max(),
        "min_ess_bulk": per_fit["min_ess_bulk"].min(),
        "median_wall_s": per_fit["wall_s"].median(),
    })  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=300)
    ap.add_argument("--geos", type=int, default=8)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--draws", type=int, default=500, help="per chain, tune the same")
    ap.add_argument("--shocks", default="0,0.03", help="sd of the shared weekly shock")
    ap.add_argument("--summarize", action="store_true", help="only rewrite the md from the csv")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows, csv = [], RESULTS / "geo_noise.csv"
    seeds = [] if args.summarize else range(args.first_seed, args.first_seed + args.seeds)
    for seed in seeds:
        for shock in (float(s) for s in args.shocks.split(",")):
            sim = simulate_geo(n_geos=args.geos, n_weeks=args.weeks, seed=seed,
                               shared_noise=shock, noise=0.04)  # fmt: skip
            for noise in ("independent", "shared"):
                rows += one_fit(sim, shock, noise, seed, args.draws)
            pd.DataFrame(rows).to_csv(csv, index=False)
    df = pd.read_csv(csv) if args.summarize else pd.DataFrame(rows)
    text = [
        "# Independent vs shared geo noise (benchmarks/geo_noise.py)",
        "",
        f"{args.seeds} simulated data sets per shock level x 4 channels, {args.geos} geos x "
        f"{args.weeks} weeks, each geo's own noise 4% of its mean, a shared weekly shock of sd "
        f"{args.shocks} (share of each geo's mean); 4 chains x {args.draws} draws (+{args.draws} "
        "tune); both fits of a data set the same seed. Coverage: the true national ROI inside "
        "the 90% interval; national PPC: weeks of the national outcome inside the 90% "
        "predictive interval.",
        "",
        markdown(summary(df).reset_index()),
        "",
        f"Load at the end: {os.getloadavg()}. Per-case rows: geo_noise.csv.",
        "",
        "```json",
        json.dumps(vars(args)),
        "```",
    ]
    (RESULTS / "geo_noise.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
