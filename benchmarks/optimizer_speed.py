"""Speed of one budget optimisation: 4000 posterior draws x 8 channels, 156 weeks of data.

By default the posterior is synthetic (draws scattered around a simulation's true parameters,
4 chains x 1000 draws; no sampling, so the figure is the optimizer's alone); ``--fit`` samples
the real posterior of the simulated data with NUTS (4 x 1000) first.

    python benchmarks/optimizer_speed.py                 # synthetic posterior
    python benchmarks/optimizer_speed.py --fit --repeat 5
    python benchmarks/optimizer_speed.py --model model.nc     # any saved model

For each objective it times ``bayes_mmm.budget.optimize`` end to end (response, grid start,
SLSQP polish, scenarios and summaries of both plans) and reports the median of ``--repeat``
runs, wall and CPU seconds, with the solver's part alone.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

import bayes_mmm as bm
from bayes_mmm.budget import optimize
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.synthetic import synthetic_fit
from bayes_mmm.data.scaling import allweek_to_onweek

CHANNELS = [f"ch{i}" for i in range(8)]
OBJECTIVES = ("mean", "quantile:0.1", "cvar:0.1", "profit:1.5")


def posterior(use_nuts: bool, seed: int = 0) -> bm.MMMFit:
    sim = bm.simulate(156, CHANNELS, seed=seed)
    data = sim.to_data()
    if use_nuts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bm.SamplingWarning)
            return bm.fit(data, chains=4, draws=1000, tune=1000, seed=seed, progress=False)
    t = sim.truth
    rng = np.random.default_rng(seed)
    shape = (4000, len(CHANNELS))
    return synthetic_fit(
        data,
        roi=np.asarray(t.roi) * rng.lognormal(0, 0.2, shape),
        decay=np.clip(np.asarray(t.decay) + rng.normal(0, 0.05, shape), 0.01, 0.95),
        half_saturation=allweek_to_onweek(t.half_saturation, data.spend)
        * rng.lognormal(0, 0.2, shape),
        slope=np.asarray(t.slope) * rng.lognormal(0, 0.1, shape),
        chains=4,
    )


def _timed(f):
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fit", action="store_true", help="sample the posterior with NUTS first")
    p.add_argument("--model", help="use this saved model (bayes_mmm.save) instead")
    p.add_argument("--horizon", type=int, default=13)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", help="also write the results to this JSON file")
    args = p.parse_args()
    fit = bm.load(args.model) if args.model else posterior(args.fit)
    n_draws = fit.posterior.sizes["chain"] * fit.posterior.sizes["draw"]
    print(f"posterior: {n_draws} draws x {len(CHANNELS)} channels, horizon {args.horizon} weeks")
    print(f"{'objective':<14}{'wall s':>9}{'cpu s':>9}{'solve s':>9}  P(beats current)")
    results = {}
    for objective in OBJECTIVES:
        runs = [
            _timed(lambda o=objective: optimize(fit, args.horizon, objective=o))
            for _ in range(args.repeat)
        ]
        solver = Allocator(fit, args.horizon, objective)
        solve = [
            _timed(lambda s=solver: s.solve(float(s.current.sum())))[1] for _ in range(args.repeat)
        ]
        wall = float(np.median([r[1] for r in runs]))
        cpu = float(np.median([r[2] for r in runs]))
        results[objective] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "solve_s": float(np.median(solve)),
            "p_beats_current": runs[0][0].p_beats_current,
        }
        print(
            f"{objective:<14}{wall:>9.2f}{cpu:>9.2f}{np.median(solve):>9.2f}  "
            f"{runs[0][0].p_beats_current:.3f}"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {"draws": n_draws, "channels": len(CHANNELS), "results": results}, fh, indent=2
            )


if __name__ == "__main__":
    main()
