"""Is the predicted value of a geo test real? ``test_value.py`` on regional data.

For each world (4 geos x 104 weeks x 4 always-on channels, ROI ~ U(0.5, 3) per channel and
a log-ROI spread of 0.3 across geos, noise 4-10%): fit; rank 12 candidate designs with
``design_tests`` (each channel going dark 4 weeks in every geo, going dark 4 weeks in its
test cell -- the fewest geos holding a quarter of its spend -- and -50% 4 weeks in every
geo; the decision: the national channel split of the current budget over 13 weeks, mean
objective). The truth is the simulator's media as a one-draw geo fit
(:func:`bayes_mmm.budget.synthetic_geo.geo_truth_fit`): the true lift of a design and the
true outcome of a plan. With common random numbers (one measurement error ``z`` per world,
the same refit seed), for the top test by EVSI, the top by net value, a random candidate
and "go dark on the biggest channel in every geo for 4 weeks": simulate the test's result
(true lift + sigma x z), refit with it as a lift test (its ``geo`` column), re-optimise and
measure the plan's true regret. For every candidate, the realised gain of reweighting (no
refit) averaged over ``--noise-draws`` results: what EVSI predicts.

    nice -n 5 .venv/bin/python benchmarks/test_value_geo.py --worlds 30 \
        --out benchmarks/results/test_value_geo.md
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings

import numpy as np
import pandas as pd
import test_value as tv
from scipy.stats import spearmanr

import bayes_mmm as bm
from bayes_mmm.budget.geo import allocator_for
from bayes_mmm.budget.synthetic_geo import geo_truth_fit
from bayes_mmm.experiments.candidates import candidate_tests, geo_cell
from bayes_mmm.experiments.value import reoptimise
from bayes_mmm.experiments.weighted import result_weights, under_weights
from bayes_mmm.experiments.window import design_lift

HORIZON, N_GEOS = 13, 4
CHANNELS = ("tv", "search", "social", "display")
FIT = dict(chains=2, draws=300, tune=300, progress=False)
ARMS = ("top", "top_net", "random", "biggest")
DECISION: dict = {}  # --max-change: each channel within +-M of its current spend
log = logging.getLogger("bench")


def world(seed: int):
    rng = np.random.default_rng(seed)
    roi = rng.uniform(0.5, 3.0, len(CHANNELS)).round(2).tolist()
    noise = float(rng.uniform(0.04, 0.1))
    return bm.simulate(104, CHANNELS, n_geos=N_GEOS, roi=roi, noise=noise, roi_geo_sd=0.3,
                       seed=seed)  # fmt: skip


def fit(data) -> bm.MMMFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bm.fit(data, bm.ModelSpec(**tv.SPEC), seed=1, **FIT)


def candidates(data) -> pd.DataFrame:
    rows = [(ch, change, 4, where) for ch in CHANNELS
            for change, where in (("go_dark", ""), ("go_dark", geo_cell(data, ch)),
                                  ("-50%", ""))]  # fmt: skip
    return pd.DataFrame(rows, columns=["channel", "change", "weeks", "geo"])


def reweighted_gains(alloc, truth, draws, true_lift, sigma, z, decision) -> np.ndarray:
    """``(design, result)`` the true regret saved by re-optimising under the draws weighted by
    each simulated result ``true lift + sigma x z`` (no refit); ``decision``: the budget, the
    true optimum's value, the plan without a test and its true regret."""
    budget, best, plan0, r0 = decision
    out = np.empty((draws.shape[1], len(z)))
    for i in range(draws.shape[1]):
        for k, zk in enumerate(z):
            w, _ = result_weights(draws[:, [i]], np.atleast_1d(true_lift[i] + sigma[i] * zk),
                                  np.atleast_1d(sigma[i]))  # fmt: skip
            plan = reoptimise(under_weights(alloc, w), budget, plan0)
            out[i, k] = r0 - (best - truth.value(plan))
    return out


def run_world(seed: int, noise_draws: int) -> tuple[list[dict], list[dict]]:
    sim = world(seed)
    data = sim.to_data()
    truth = allocator_for(geo_truth_fit(sim), HORIZON, "mean", **DECISION)
    budget = float(truth.current.sum())
    best = truth.value(truth.solve(budget).total)
    base = fit(data)
    alloc = allocator_for(base, HORIZON, "mean", **DECISION)
    plan0 = alloc.solve(budget).total
    r0 = best - truth.value(plan0)
    cands = candidates(data)
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    ranked = bm.design_tests(
        base, cands, horizon=HORIZON, n_outcomes=16, seed=seed, refit=None, **DECISION
    )
    seconds = time.perf_counter() - t0
    tests, table = candidate_tests(base, cands)
    labels = list(table["design"])
    true_lift = design_lift(geo_truth_fit(sim), tests)[0]
    check = sim.true_lift(tests.to_frame())  # the simulator's own equations
    if not np.allclose(true_lift, check, rtol=1e-6):
        raise RuntimeError(f"world {seed}: truth fit's lifts {true_lift} != simulator's {check}")
    z = np.random.default_rng(1000 + seed).standard_normal(noise_draws)  # z[0]: the arms'
    byd = ranked.set_index("design")
    rw = reweighted_gains(alloc, truth, design_lift(base, tests), true_lift, tests.sigma, z,
                          (budget, best, plan0, r0))  # fmt: skip
    designs = [
        {"world": seed, "design": label, "evsi": byd.loc[label, "evsi"],
         "evsi_mc_se": byd.loc[label, "evsi_mc_se"], "net_value": byd.loc[label, "net_value"],
         "method": byd.loc[label, "method"], "rw_gain": rw[i].mean(), "rw_gain_z0": rw[i, 0]}
        for i, label in enumerate(labels)
    ]  # fmt: skip
    biggest = CHANNELS[int(np.argmax(data.spend.sum(axis=0)))]
    rng = np.random.default_rng(2000 + seed)
    choices = {
        "top": ranked.sort_values("evsi", ascending=False)["design"].iloc[0],
        "top_net": ranked["design"].iloc[0],
        "random": labels[rng.integers(len(labels))],
        "biggest": f"{biggest} go_dark 4w in every geo",
    }
    refits = {}
    for design in dict.fromkeys(choices.values()):
        i = labels.index(design)
        one = tests.subset(np.arange(len(tests)) == i)
        frame = one.to_frame().assign(lift=true_lift[i] + one.sigma[0] * z[0])
        refit = fit(data.with_lift_tests(frame))
        plan = allocator_for(refit, HORIZON, "mean", **DECISION).solve(budget).total
        refits[design] = best - truth.value(plan)
    arms = [
        {"world": seed, "choice": name, "design": d, "regret_before": r0,
         "regret_after": refits[d], "evsi": byd.loc[d, "evsi"],
         "rw_gain_z0": next(r["rw_gain_z0"] for r in designs if r["design"] == d),
         "rank_seconds": seconds, "load": load0}
        for name, d in choices.items()
    ]  # fmt: skip
    log.info(f"world {seed}: regret before {r0:.0f}, after {refits}")
    return arms, designs


def summary(arms: pd.DataFrame, designs: pd.DataFrame, noise_draws: int) -> str:
    wide = arms.pivot(index="world", columns="choice", values="regret_after")
    before = arms.groupby("world")["regret_before"].first()
    rng = np.random.default_rng(0)
    lines = [
        f"worlds: {len(wide)}; mean true regret before any test: {before.mean():.0f} "
        f"(se {before.std(ddof=1) / np.sqrt(len(before)):.0f})", "",
        "| arm | mean regret after refit | se |", "|---|---|---|",
    ]  # fmt: skip
    for c in ("none", *ARMS):
        x = before if c == "none" else wide[c]
        lines.append(f"| {c} | {x.mean():.0f} | {x.std(ddof=1) / np.sqrt(len(x)):.0f} |")
    lines += ["", "| paired difference of regret (worlds) | mean | se | 90% t interval | "
              "90% bootstrap |", "|---|---|---|---|---|"]  # fmt: skip
    for a, b in (("top", "random"), ("top", "biggest"), ("top_net", "random"),
                 ("top", "none")):  # fmt: skip
        d = wide[a] - (before if b == "none" else wide[b])
        lines.append(f"| {a} - {b} | {tv.paired(d.to_numpy(), rng)} |")
    per_world = designs.groupby("world").apply(
        lambda g: spearmanr(g["evsi"], g["rw_gain"]).statistic, include_groups=False
    )
    cell = ~designs["design"].str.endswith("in every geo")
    kind = designs["design"].str.extract(r"^\S+ (\S+)")[0] + np.where(cell, " (test cell)", "")
    lines += [
        "", f"Predicted EVSI against the realised gain of reweighting (expected over "
        f"{noise_draws} results), over every candidate of every world:",
        f"- Spearman inside each world over its {designs.groupby('world').size().iloc[0]} "
        f"candidates: mean {per_world.mean():.2f} (se "
        f"{per_world.std(ddof=1) / np.sqrt(len(per_world)):.2f}); pooled "
        f"{spearmanr(designs['evsi'], designs['rw_gain']).statistic:.2f}", "",
        "| designs | n | mean EVSI | mean realised gain | se |", "|---|---|---|---|---|",
    ]  # fmt: skip
    for name, g in designs.groupby(kind):
        se = g["rw_gain"].std(ddof=1) / np.sqrt(len(g))
        lines.append(f"| {name} | {len(g)} | {g['evsi'].mean():.0f} | {g['rw_gain'].mean():.0f} "
                     f"| {se:.0f} |")  # fmt: skip
    lines += [
        "",
        f"design_tests seconds per world (16 outcomes x 12 designs): "
        f"{arms['rank_seconds'].mean():.1f} (load average {arms['load'].mean():.1f})",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--worlds", type=int, default=20)
    p.add_argument("--noise-draws", type=int, default=4)
    p.add_argument("--out", default="benchmarks/results/test_value_geo.md")
    p.add_argument("--summarize", action="store_true")
    p.add_argument(
        "--roi-prior",
        choices=("default", "world"),
        default="default",
        help="world: the model's ROI prior is the worlds' own (test_value.py's)",
    )
    p.add_argument(
        "--max-change",
        type=float,
        default=None,
        help="the decision keeps each channel within +-M of its current spend",
    )
    args = p.parse_args()
    if args.max_change is not None:
        DECISION["max_change"] = args.max_change
    if args.roi_prior == "world":
        tv.SPEC["priors"] = tv.WORLD_ROI_PRIOR
    logging.basicConfig(level=logging.INFO)
    arms, designs = tv.run_worlds(run_world, args, resume=True)
    text = "# Value of a geo test: top-ranked vs random vs biggest channel\n\n" + summary(
        arms, designs, args.noise_draws
    )
    tv.write_report(args.out, text)


if __name__ == "__main__":
    main()
