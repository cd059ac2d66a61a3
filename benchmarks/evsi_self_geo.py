"""Is EVSI right for geo designs where the model is exactly right? (``evsi_self.py`` for
geo fits.) One simulated regional data set (8 geos x 104 weeks, the geo notebook's), fitted
with 4 chains x 1000 draws; chain 0 values 12 designs (each channel going dark 4 weeks in
every geo and in its test cell, and -50% 4 weeks in every geo) with ``design_tests``, the
other chains supply held-out truths (``experiments.check.held_out_gains``, 300 of them):
averaged over truths, each design's realised gain should match its EVSI within Monte Carlo
error, and the designs' realised order should follow their EVSI order.

    .venv/bin/python benchmarks/evsi_self_geo.py
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

import bayes_mmm as bm
from bayes_mmm.experiments.candidates import geo_cell
from bayes_mmm.experiments.check import held_out_gains, split_chains

RESULT = Path(__file__).resolve().parent / "results" / "evsi_self_geo.md"
CHANNELS = ["tv", "search", "social", "display"]
HORIZON, TRUTHS = 13, 300


def main() -> None:
    sim = bm.simulate(n_geos=8, n_weeks=104, channels=CHANNELS, roi=[2.5, 1.8, 1.2, 0.8],
                      roi_geo_sd=0.3, seed=21)  # fmt: skip
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.fit(sim.to_data(), chains=4, draws=1000, tune=1000, seed=1, progress=False)
    fit_s = time.perf_counter() - t0
    rows = [(ch, change, 4, where) for ch in CHANNELS
            for change, where in (("go_dark", ""), ("go_dark", geo_cell(fit.data, ch)),
                                  ("-50%", ""))]  # fmt: skip
    cands = pd.DataFrame(rows, columns=["channel", "change", "weeks", "geo"])
    valuing, truths = split_chains(fit)
    t0 = time.perf_counter()
    ranked = bm.design_tests(valuing, cands, horizon=HORIZON, n_outcomes=16, refit=None)
    rank_s, t0 = time.perf_counter() - t0, time.perf_counter()
    gains = held_out_gains(valuing, truths, cands, HORIZON, n_truths=TRUTHS)
    held_s = time.perf_counter() - t0
    by = ranked.set_index("design")
    out = pd.DataFrame({"evsi": by["evsi"], "evsi_se": by["evsi_mc_se"],
                        "realised": gains.mean(axis=1),
                        "realised_se": gains.std(axis=1) / np.sqrt(TRUTHS)})  # fmt: skip
    out["z"] = (out.evsi - out.realised) / np.hypot(out.evsi_se, out.realised_se)
    out = out.sort_values("evsi", ascending=False)
    rho = spearmanr(out.evsi, out.realised)
    load, d = os.getloadavg(), fit.diagnostics
    lines = [
        "# EVSI of geo designs against held-out truths", "",
        "`benchmarks/evsi_self_geo.py`: 8 geos x 104 weeks (the geo notebook's data), 4 x 1000 "
        f"draws (fit {fit_s:.0f} s, r_hat {d.max_r_hat:.3f}, min ESS {d.min_ess_bulk:.0f}, "
        f"{d.divergences} divergences); chain 0 values the designs ({rank_s:.1f} s, 16 results "
        f"each), chains 1-3 give {TRUTHS} truths ({held_s:.0f} s). Load {load[0]:.1f} / "
        f"{load[1]:.1f} / {load[2]:.1f} at the end.", "",
        "| design | EVSI (MC se) | realised on held-out truths (se) | z |", "|---|---|---|---|",
    ]  # fmt: skip
    lines += [f"| {k} | {r.evsi:,.0f} ({r.evsi_se:,.0f}) | {r.realised:,.0f} "
              f"({r.realised_se:,.0f}) | {r.z:+.1f} |" for k, r in out.iterrows()]  # fmt: skip
    lines += ["", f"Spearman(EVSI, realised) = {rho.statistic:.2f} (p = {rho.pvalue:.3f}); "
              f"|z| <= 2 for {(out.z.abs() <= 2).sum()} of {len(out)} designs; the top-EVSI "
              f"design's realised gain ranks {int(out.realised.rank(ascending=False).iloc[0])} "
              f"of {len(out)}."]  # fmt: skip
    RESULT.write_text("\n".join(lines) + "\n")
    print(RESULT.read_text())


if __name__ == "__main__":
    main()
