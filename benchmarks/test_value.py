"""Is the predicted value of a test real? Over simulated worlds with known truth.

For each world: fit the sales data; rank candidate tests with ``design_tests`` (mean
objective, the current budget over a 13-week horizon); then for three choices -- the
top-ranked test, a random candidate, and "go dark on the biggest channel for 4 weeks" --
simulate the test's measured result from the truth (the forward model at the true
parameters plus the design's noise), refit with the result as a windowed lift test,
re-optimise the budget and measure its true regret (true outcome of the true optimum minus
that of the plan). Reports the mean regret per choice, the paired differences with standard
errors, and the rank correlation of predicted EVSI with the realised gain (regret before
minus after) over all tests run.

    python benchmarks/test_value.py --worlds 20 --out benchmarks/results/test_value.md
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

import bayes_mmm as bm
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.synthetic import truth_fit
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.window import lift_values

HORIZON = 13
CHANNELS = ("tv", "search", "social", "display")
CANDIDATES = (("go_dark", 4), ("-50%", 4), ("+50%", 4))
FIT = dict(chains=2, draws=300, tune=300, progress=False)


def world(seed: int) -> bm.Simulation:
    rng = np.random.default_rng(seed)
    return bm.simulate(
        104,
        CHANNELS,
        roi=rng.uniform(0.5, 3.0, len(CHANNELS)).round(2).tolist(),
        noise=float(rng.uniform(0.04, 0.1)),
        seed=seed,
    )


def fit(data) -> bm.MMMFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bm.fit(data, seed=1, **FIT)


def regret(model: bm.MMMFit, truth: Allocator, best: float) -> float:
    plan = Allocator(model, HORIZON, "mean").solve(float(truth.current.sum())).total
    return best - truth.value(plan)


def run_world(seed: int) -> list[dict]:
    sim = world(seed)
    data = sim.to_data()
    true = truth_fit(sim)
    truth = Allocator(true, HORIZON, "mean")
    best = truth.value(truth.solve(float(truth.current.sum())).total)
    base = fit(data)
    r0 = regret(base, truth, best)
    cands = pd.DataFrame(
        [(c, ch, w) for c in CHANNELS for ch, w in CANDIDATES],
        columns=["channel", "change", "weeks"],
    )
    t0 = time.perf_counter()
    ranked = bm.design_tests(base, cands, horizon=HORIZON, n_outcomes=16, seed=seed)
    seconds = time.perf_counter() - t0
    biggest = CHANNELS[int(np.argmax(data.spend.sum(axis=0)))]
    rng = np.random.default_rng(1000 + seed)
    choices = {
        "top": ranked["design"].iloc[0],
        "random": ranked["design"].iloc[rng.integers(len(ranked))],
        "biggest": f"{biggest} go_dark 4w",
    }
    tests, table = candidate_tests(base, cands)
    labels = list(table["design"])
    rows = []
    for name, design in choices.items():
        i = labels.index(design)
        one = tests.subset(np.arange(len(tests)) == i)
        measured = lift_values(true.forward(), one, data.channels)[0, 0]
        measured += one.sigma[0] * rng.standard_normal()
        frame = one.to_frame().assign(lift=measured)
        r1 = regret(fit(data.with_lift_tests(frame)), truth, best)
        row = ranked.set_index("design").loc[design]
        rows.append(
            {"world": seed, "choice": name, "design": design, "regret_before": r0,
             "regret_after": r1, "evsi": row["evsi"], "rank_seconds": seconds}
        )  # fmt: skip
    logging.getLogger("bench").info(f"world {seed}: {rows}")
    return rows


def summary(df: pd.DataFrame) -> str:
    wide = df.pivot(index="world", columns="choice", values="regret_after")
    before = df.groupby("world")["regret_before"].first()
    lines = [
        f"worlds: {len(wide)}; mean regret before any test: {before.mean():.1f} "
        f"(se {before.std(ddof=1) / np.sqrt(len(before)):.1f})",
        "",
        "| choice | mean regret after | se |",
        "|---|---|---|",
    ]
    for c in ("top", "random", "biggest"):
        x = wide[c]
        lines.append(f"| {c} | {x.mean():.1f} | {x.std(ddof=1) / np.sqrt(len(x)):.1f} |")
    lines += ["", "| paired difference | mean | se |", "|---|---|---|"]
    for c in ("random", "biggest"):
        d = wide[c] - wide["top"]
        lines.append(f"| {c} - top | {d.mean():.1f} | {d.std(ddof=1) / np.sqrt(len(d)):.1f} |")
    gain = df["regret_before"] - df["regret_after"]
    rho = spearmanr(df["evsi"], gain).statistic
    lines += [
        "",
        f"Spearman rank correlation of predicted EVSI with realised gain: {rho:.2f} "
        f"({len(df)} tests)",
        f"design_tests seconds per world (16 outcomes x 12 designs): "
        f"{df['rank_seconds'].mean():.1f}",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--worlds", type=int, default=20)
    p.add_argument("--out", default="benchmarks/results/test_value.md")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    rows = []
    for seed in range(args.worlds):
        rows += run_world(seed)
        pd.DataFrame(rows).to_csv(args.out.replace(".md", ".csv"), index=False)
    text = "# Value of a test: top-ranked vs random vs biggest channel\n\n" + summary(
        pd.DataFrame(rows)
    )
    with open(args.out, "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
