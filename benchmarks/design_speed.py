"""Speed of ``bm.design_tests``: 20 candidate designs on a 4-channel, 156-week fit.

Fits once (2 chains x 500 draws, saved to ``--model`` and reused when it exists), then
times ``design_tests`` for the mean and the CVaR objective (24 simulated outcomes per design,
the default). Reports seconds per objective with the machine's load average.

    nice -n 5 python benchmarks/design_speed.py --out benchmarks/results/design_speed.md
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import bayes_mmm as bm
from bayes_mmm.experiments.value import N_OUTCOMES

CHANNELS = ("tv", "search", "social", "display")


def model(path: Path) -> bm.MMMFit:
    if path.exists():
        return bm.load(path)
    sim = bm.simulate(156, CHANNELS, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.fit(sim.to_data(), chains=2, draws=500, tune=500, seed=1, progress=False)
    bm.save(fit, path)
    return fit


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="/tmp/design_speed_model.nc")
    p.add_argument("--objectives", default="mean,cvar:0.2")
    p.add_argument("--out", default=None)
    p.add_argument(
        "--baseline", action="store_true", help="the first cut: full search, exact response"
    )
    args = p.parse_args()
    if args.baseline:
        import bayes_mmm.experiments.value as value

        value.TABULATE = False
        value.reoptimise = lambda solver, budget, start: (
            solver.solve(budget, starts=[start], from_current=False).total
        )
    fit = model(Path(args.model))
    lines = [
        "| objective | designs | outcomes | seconds | load before | load after |",
        "|---|---|---|---|---|---|",
    ]
    for objective in args.objectives.split(","):
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        out = bm.design_tests(fit, "default", objective=objective)
        seconds = time.perf_counter() - t0
        lines.append(
            f"| {objective}{' (baseline)' if args.baseline else ''} | {len(out)} | {N_OUTCOMES} "
            f"| {seconds:.1f} "
            f"| {load0:.1f} | {os.getloadavg()[0]:.1f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n\n")
    print(text)


if __name__ == "__main__":
    main()
