"""Shared vs per-geo (pooled) adstock/saturation shapes on simulated geo data whose true
shapes vary by geo (``simulate_geo(shape_geo_sd=...)``; 0: shared truth): diagnostics, wall
time, national and geo x channel ROI error and 90% coverage, per-geo decay coverage.

    nice -n 5 .venv/bin/python benchmarks/geo_shapes.py --seeds 100 101 --shape-sd 0.5
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
from geo_recovery import _interval  # the recovery study's 90% interval and mean

from bayes_mmm.analysis.geo import geo_roi_draws
from bayes_mmm.data.simulate_geo import simulate_geo
from bayes_mmm.inference.fit import fit
from bayes_mmm.model import dims as D
from bayes_mmm.model.components import geo_shapes
from bayes_mmm.model.spec import ModelSpec

log = logging.getLogger("geo_shapes")


def one_fit(sim, option: str, seed: int, args) -> dict:
    """One fit of ``sim`` with ``geo_shapes=option``: a row of figures."""
    truth = sim.truth
    t0 = time.perf_counter()
    f = fit(sim.to_data(), ModelSpec(geo_shapes=option), chains=4, draws=args.draws,
            tune=args.tune, seed=seed, progress=False)  # fmt: skip
    wall = time.perf_counter() - t0
    roi = geo_roi_draws(f)
    lo, hi, mean = _interval(roi.sel(geo="national"))
    glo, ghi, gmean = _interval(roi.sel(geo=list(truth.geos)))
    true_decay = (truth.media_params_geo or {}).get(D.DECAY)
    if true_decay is None:
        true_decay = np.broadcast_to(truth.media_params[D.DECAY], glo.shape)
    name = geo_shapes.geo_name(D.DECAY) if option == "pooled" else D.DECAY
    dlo, dhi, _ = _interval(f.posterior[name])
    d = f.diagnostics
    return {
        "seed": seed,
        "shape_geo_sd": args.shape_sd,
        "geo_shapes": option,
        "sd_prior": repr(geo_shapes.SD_PRIOR) if option == "pooled" else "",
        "divergences": int(d.divergences),
        "max_rhat": float(d.max_r_hat),
        "min_ess_bulk": float(d.min_ess_bulk),
        "steps_per_draw": float(d.steps_per_draw),
        "wall_s": round(wall, 1),
        "load1": round(os.getloadavg()[0], 2),
        "national_roi_abs_rel_error": float(np.mean(np.abs(mean - truth.roi) / truth.roi)),
        "national_roi_coverage90": float(np.mean((lo <= truth.roi) & (truth.roi <= hi))),
        "geo_roi_abs_rel_error": float(np.mean(np.abs(gmean - truth.roi_geo) / truth.roi_geo)),
        "geo_roi_coverage90": float(np.mean((glo <= truth.roi_geo) & (truth.roi_geo <= ghi))),
        "geo_decay_coverage90": float(np.mean((dlo <= true_decay) & (true_decay <= dhi))),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    p.add_argument("--geos", type=int, default=8)
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--shape-sd", type=float, default=0.5)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/geo_shapes.csv"))
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rows = []
    for seed in args.seeds:
        sim = simulate_geo(n_geos=args.geos, n_weeks=args.weeks, seed=seed,
                           shape_geo_sd=args.shape_sd)  # fmt: skip
        for option in ("shared", "pooled"):
            rows.append(one_fit(sim, option, seed, args))
            log.info("%s", json.dumps(rows[-1]))
    frame = pd.DataFrame(rows)
    if args.out.exists():
        frame = pd.concat([pd.read_csv(args.out), frame], ignore_index=True)
    frame.to_csv(args.out, index=False)
    from _table import markdown

    print(markdown(frame))


if __name__ == "__main__":
    main()
