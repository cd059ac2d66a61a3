"""Is the predicted value of a test real? Over simulated worlds with known truth.

For each world: fit the sales data; rank candidate tests with ``design_tests`` (mean
objective, the current budget over a 13-week horizon). Then, with common random numbers (one
standard-normal measurement error ``z`` per world, shared by every arm, and the same refit
seed), for four choices -- the top test by EVSI (the regret measured leaves out the test's
cost, so EVSI is the prediction to check), the top by net value (EVSI - cost), a random
candidate and "go dark on the biggest channel for 4 weeks" -- simulate the test's measured
result from the truth (the true lift plus ``sigma x z``), refit with it as a windowed lift
test, re-optimise the budget and measure its true regret (true outcome of the true optimum
minus that of the plan). Arms that pick the same design share one refit.

Apart from the refits, for *every* candidate the realised gain of reweighting (no refit) is
averaged over ``--noise-draws`` measurement errors: the draws are importance-weighted by the
simulated result and the budget is re-optimised under them, as ``design_tests`` does. This
"expected realised gain" is what EVSI predicts; its rank correlation with EVSI inside each
world separates the method's ranking from the noise of a single result and a single refit.
Also per world: the posterior's own expected regret (EVPI, on ``EVPI_DRAWS`` draws) against
the true regret: a posterior that believes it knows the optimum cannot value information.

Reports paired differences with 90% intervals (t and bootstrap) and rank correlations.

    nice -n 5 python benchmarks/test_value.py --worlds 20 --out benchmarks/results/test_value.md
    # the worlds' ROI prior (test_value_prior.md), the calibration study's spend mix
    # (test_value_mixed.md), media parameters drawn from the priors (test_value_prior_worlds.md):
    ... --roi-prior world [--grid mixed | --worlds-from prior] --resume --worlds N --out ...
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings

import numpy as np
import pandas as pd
from scipy.stats import spearmanr, t

import bayes_mmm as bm
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.synthetic import truth_fit
from bayes_mmm.checking.prior import sample_prior
from bayes_mmm.data.scaling import allweek_share
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.check import one_draw
from bayes_mmm.experiments.value import reoptimise
from bayes_mmm.experiments.weighted import result_weights, under_weights
from bayes_mmm.experiments.window import lift_values

HORIZON = 13
CHANNELS = ("tv", "search", "social", "display")
CANDIDATES = (("go_dark", 4), ("-50%", 4), ("+50%", 4))
FIT = dict(chains=2, draws=300, tune=300, progress=False)
# --roi-prior world: the analyst's ROI prior is the worlds' own distribution (log of U(0.5, 3):
# mean 0.457, sd 0.479), instead of the default LogNormal(ROI at a 30% media share, 0.85)
WORLD_ROI_PRIOR = {"roi": bm.Prior("LogNormal", mu=0.457, sigma=0.479)}
SPEC: dict = {}
EVPI_DRAWS = 40
ARMS = ("top", "top_net", "random", "biggest")
WORLDS_FROM = {"prior": False, "mixed": False}
PATTERN_MIX = ("always_on", "always_on", "flighted", "growing")  # as benchmarks/calibration.py
log = logging.getLogger("bench")


def world(seed: int) -> bm.Simulation:
    """The simulator's grid: ROI ~ U(0.5, 3), the other media parameters from ``sim_range``;
    with ``--worlds-from prior`` every media parameter (ROI included) is one draw of the
    model's own priors instead (baseline, noise and spend still from the simulator). With
    ``--grid mixed`` the spend is the calibration study's mix (always-on, flighted and
    growing channels, moves correlated or not, media share 0.2-0.5) instead of every channel
    always on, independently."""
    rng = np.random.default_rng(seed)
    roi = rng.uniform(0.5, 3.0, len(CHANNELS)).round(2).tolist()
    noise = float(rng.uniform(0.04, 0.1))
    if WORLDS_FROM["mixed"]:
        spend = _mixed_spend(np.random.default_rng([seed, 7]))
        return bm.simulate(104, CHANNELS, **spend, roi=roi, noise=noise, seed=seed)
    if WORLDS_FROM["prior"]:
        grid = bm.simulate(104, CHANNELS, roi=roi, noise=noise, seed=seed)
        roi, media = _prior_media(grid.to_data(), 10_000 + seed)
        return bm.simulate(104, CHANNELS, roi=roi, noise=noise, seed=seed, **media)
    return bm.simulate(104, CHANNELS, roi=roi, noise=noise, seed=seed)


def _prior_media(data, seed: int) -> tuple[list, dict]:
    """ROI and the other media parameters per channel: one draw of the model's priors."""
    if not np.allclose(allweek_share(data.spend), 1.0):
        raise ValueError("prior worlds need always-on spend (model units = sim units)")
    spec = bm.ModelSpec(**SPEC)
    names = [p.name for p in spec.media_params]
    draw = sample_prior(data, spec, draws=1, seed=seed).draws("roi", *names)
    return draw.pop("roi")[0].tolist(), {k: v[0].tolist() for k, v in draw.items()}


def _mixed_spend(rng: np.random.Generator) -> dict:
    patterns = [str(rng.choice(PATTERN_MIX)) for _ in CHANNELS]
    if "flighted" not in patterns and rng.random() < 0.5:
        patterns[int(rng.integers(len(CHANNELS)))] = "flighted"
    return {
        "patterns": patterns,
        "spend_correlation": float(rng.choice([0.0, 0.6])),
        "media_share": float(rng.uniform(0.2, 0.5)),
    }


def fit(data) -> bm.MMMFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bm.fit(data, bm.ModelSpec(**SPEC), seed=1, **FIT)


def evpi(alloc: Allocator, plan: np.ndarray, budget: float) -> float:
    """The posterior's expected regret of ``plan``: mean over draws of (the draw's own
    optimum - the plan) on ``EVPI_DRAWS`` draws."""
    n = alloc.resp.n_draws
    out = []
    for d in np.linspace(0, n - 1, EVPI_DRAWS).round().astype(int):
        one = one_draw(alloc, d)
        out.append(one.value(one.solve(budget, starts=[plan]).total) - one.value(plan))
    return float(np.mean(out))


def reweighted_regret(alloc, plan0, budget, draws, measured, sigma, truth, best) -> float:
    """True regret of the plan re-optimised under draws weighted by one simulated result."""
    w, _ = result_weights(draws[:, None], np.atleast_1d(measured), np.atleast_1d(sigma))
    return best - truth.value(reoptimise(under_weights(alloc, w), budget, plan0))


def setting(seed: int) -> tuple:
    """A world's decision before any test: the simulation, its data, the true fit and its
    allocator, the budget, the true optimum's value, the fit, its allocator, its plan and
    that plan's true regret."""
    sim = world(seed)
    data = sim.to_data()
    true = truth_fit(sim)
    truth = Allocator(true, HORIZON, "mean")
    budget = float(truth.current.sum())
    best = truth.value(truth.solve(budget).total)
    base = fit(data)
    alloc = Allocator(base, HORIZON, "mean")
    plan0 = alloc.solve(budget).total
    r0 = best - truth.value(plan0)
    return sim, data, true, truth, budget, best, base, alloc, plan0, r0


def candidate_frame() -> pd.DataFrame:
    """The 12 candidate designs of every world: each change of ``CANDIDATES`` on each channel."""
    return pd.DataFrame(
        [(c, ch, w) for c in CHANNELS for ch, w in CANDIDATES],
        columns=["channel", "change", "weeks"],
    )


def run_world(seed: int, noise_draws: int) -> tuple[list[dict], list[dict]]:
    _sim, data, true, truth, budget, best, base, alloc, plan0, r0 = setting(seed)
    cands = candidate_frame()
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    ranked = bm.design_tests(  # refit=None: a Laplace refit per flagged design is too slow
        base, cands, horizon=HORIZON, n_outcomes=16, seed=seed, refit=None
    )
    seconds = time.perf_counter() - t0
    tests, table = candidate_tests(base, cands)
    labels = list(table["design"])
    true_lift = lift_values(true.forward(), tests, data.channels)[0]
    draws = lift_values(base.forward(), tests, data.channels)
    z = np.random.default_rng(1000 + seed).standard_normal(noise_draws)  # z[0]: the arms'
    byd = ranked.set_index("design")
    designs = []
    for i, label in enumerate(labels):
        sigma = tests.sigma[i]
        regrets = [
            reweighted_regret(
                alloc, plan0, budget, draws[:, i], true_lift[i] + sigma * zk, sigma, truth, best
            )
            for zk in z
        ]
        designs.append(
            {"world": seed, "design": label, "evsi": byd.loc[label, "evsi"],
             "evsi_mc_se": byd.loc[label, "evsi_mc_se"], "net_value": byd.loc[label, "net_value"],
             "ess_median": byd.loc[label, "ess_median"], "method": byd.loc[label, "method"],
             "pareto_k_median": byd.loc[label, "pareto_k_median"],
             "rw_gain": r0 - np.mean(regrets),
             "rw_gain_z0": r0 - regrets[0]}
        )  # fmt: skip
    biggest = CHANNELS[int(np.argmax(data.spend.sum(axis=0)))]
    rng = np.random.default_rng(2000 + seed)
    choices = {
        "top": ranked.sort_values("evsi", ascending=False)["design"].iloc[0],
        "top_net": ranked["design"].iloc[0],
        "random": labels[rng.integers(len(labels))],
        "biggest": f"{biggest} go_dark 4w",
    }
    refits: dict[str, float] = {}
    for design in dict.fromkeys(choices.values()):
        i = labels.index(design)
        one = tests.subset(np.arange(len(tests)) == i)
        frame = one.to_frame().assign(lift=true_lift[i] + one.sigma[0] * z[0])
        refits[design] = regret_after(data, frame, truth, budget, best)
    arms = [
        {"world": seed, "choice": name, "design": d, "regret_before": r0,
         "regret_after": refits[d], "evsi": byd.loc[d, "evsi"],
         "rw_gain_z0": next(r["rw_gain_z0"] for r in designs if r["design"] == d),
         "evpi": np.nan, "rank_seconds": seconds, "load": load0}
        for name, d in choices.items()
    ]  # fmt: skip
    arms[0]["evpi"] = evpi(alloc, plan0, budget)
    log.info(f"world {seed}: regret before {r0:.0f}, after {refits}, EVPI {arms[0]['evpi']:.0f}")
    return arms, designs


def regret_after(data, frame, truth: Allocator, budget: float, best: float) -> float:
    refit = fit(data.with_lift_tests(frame))
    return best - truth.value(Allocator(refit, HORIZON, "mean").solve(budget).total)


def paired(d: np.ndarray, rng) -> str:
    """Mean of paired differences with 90% t and bootstrap intervals."""
    n, m, se = len(d), d.mean(), d.std(ddof=1) / np.sqrt(len(d))
    q = t.ppf(0.95, n - 1)
    boot = rng.choice(d, size=(10_000, n)).mean(axis=1)
    lo, hi = np.quantile(boot, [0.05, 0.95])
    return f"{m:.0f} | {se:.0f} | [{m - q * se:.0f}, {m + q * se:.0f}] | [{lo:.0f}, {hi:.0f}]"


def summary(arms: pd.DataFrame, designs: pd.DataFrame) -> str:
    wide = arms.pivot(index="world", columns="choice", values="regret_after")
    before = arms.groupby("world")["regret_before"].first()
    rng = np.random.default_rng(0)
    se = before.std(ddof=1) / np.sqrt(len(before))
    lines = [
        f"worlds: {len(wide)}; mean true regret before any test: {before.mean():.0f} (se {se:.0f});"
        f" the posterior's own expected regret (EVPI): {arms['evpi'].mean():.0f}",
        "",
        "| arm | mean regret after refit | se |",
        "|---|---|---|",
    ]
    for c in ("none", *ARMS):
        x = before if c == "none" else wide[c]
        lines.append(f"| {c} | {x.mean():.0f} | {x.std(ddof=1) / np.sqrt(len(x)):.0f} |")
    lines += [
        "",
        "| paired difference of regret (worlds) | mean | se | 90% t interval | 90% bootstrap |",
        "|---|---|---|---|---|",
    ]
    for a, b in (("top", "random"), ("top", "biggest"), ("top_net", "random"),
                 ("top_net", "biggest"), ("top", "none")):  # fmt: skip
        d = (wide[a] if a != "none" else before) - (before if b == "none" else wide[b])
        lines.append(f"| {a} - {b} | {paired(d.to_numpy(), rng)} |")
    gain = arms["regret_before"] - arms["regret_after"]
    per_world = designs.groupby("world").apply(
        lambda g: spearmanr(g["evsi"], g["rw_gain"]).statistic, include_groups=False
    )
    rw = designs.groupby("world").apply(_top_vs_mean, include_groups=False)
    lines += [
        "",
        "Rank correlations of predicted EVSI with realised gain (regret before - after):",
        f"- refit, one result per arm, pooled over arms and worlds ({len(arms)} tests): "
        f"{spearmanr(arms['evsi'], gain).statistic:.2f}",
        f"- reweighting, the same single result as the refit: "
        f"{spearmanr(arms['evsi'], arms['rw_gain_z0']).statistic:.2f}",
        f"- reweighting, expected over {designs.attrs['noise_draws']} results, inside each "
        f"world over its {designs.groupby('world').size().iloc[0]} candidates: mean "
        f"{per_world.mean():.2f} (se {per_world.std(ddof=1) / np.sqrt(len(per_world)):.2f}), "
        f"pooled over worlds {spearmanr(designs['evsi'], designs['rw_gain']).statistic:.2f}",
        f"- expected reweighting gain of the top-EVSI design minus the mean candidate's: "
        f"{paired(rw.to_numpy(), rng).split(' | ')[0]} (90% t "
        f"{paired(rw.to_numpy(), rng).split(' | ')[2]})",
        f"- designs whose weights were inadequate (median ESS < 100 or Pareto k > 0.7): "
        f"{(designs['method'] != 'reweight').mean():.0%}; rank correlation over the adequate "
        f"ones, pooled: {_adequate_rho(designs):.2f}",
        "",
        "Calibration: mean predicted EVSI vs mean realised gain of reweighting (expected over "
        "the results), over every candidate of every world:",
        "",
        "| designs | n | mean EVSI | mean realised gain | se | sd of realised gain |",
        "|---|---|---|---|---|---|",
        *_calibration(designs),
        "",
        "The same by the channel's rank by spend in its world (0: the biggest), go-dark designs:",
        "",
        "| spend rank | n | mean EVSI | mean realised gain | se | top-EVSI picks |",
        "|---|---|---|---|---|---|",
        *_by_spend_rank(designs),
        "",
        f"Pearson correlation of EVSI with realised gain, both centred per world: "
        f"{_centred_r(designs):.2f} ({len(designs)} designs)",
        "",
        f"design_tests seconds per world (16 outcomes x 12 designs): "
        f"{arms['rank_seconds'].mean():.1f} (load average {arms['load'].mean():.1f})",
    ]
    return "\n".join(lines)


def _adequate_rho(designs: pd.DataFrame) -> float:
    ok = designs[designs["method"] == "reweight"]
    return float(spearmanr(ok["evsi"], ok["rw_gain"]).statistic) if len(ok) > 2 else np.nan


def _calibration(designs: pd.DataFrame) -> list[str]:
    kind = designs["design"].str.split().str[1]
    rows = []
    for name, g in [("all", designs), *designs.groupby(kind)]:
        g = g["rw_gain"], g["evsi"]
        se = g[0].std(ddof=1) / np.sqrt(len(g[0]))
        rows.append(
            f"| {name} | {len(g[0])} | {g[1].mean():.0f} | {g[0].mean():.0f} | {se:.0f} "
            f"| {g[0].std(ddof=1):.0f} |"
        )
    return rows


def _by_spend_rank(designs: pd.DataFrame) -> list[str]:
    """EVSI against realised gain of the go-dark designs by their channel's spend rank."""
    rank = {}
    for w in designs["world"].unique():
        order = np.argsort(-world(int(w)).to_data().spend.sum(axis=0))
        rank.update({(w, CHANNELS[c]): r for r, c in enumerate(order)})
    ch = designs["design"].str.split().str[0]
    d = designs.assign(rank=[rank[k] for k in zip(designs["world"], ch, strict=True)])
    top = d.loc[d.groupby("world")["evsi"].idxmax()]
    dark = d[d["design"].str.contains("go_dark")]
    rows = []
    for r, g in dark.groupby("rank"):
        se = g["rw_gain"].std(ddof=1) / np.sqrt(len(g))
        picks = int(((top["rank"] == r) & top["design"].str.contains("go_dark")).sum())
        rows.append(
            f"| {r} | {len(g)} | {g['evsi'].mean():.0f} | {g['rw_gain'].mean():.0f} | {se:.0f} "
            f"| {picks} |"
        )
    return rows


def _centred_r(designs: pd.DataFrame) -> float:
    c = designs.groupby("world")[["evsi", "rw_gain"]].transform(lambda x: x - x.mean())
    return float(np.corrcoef(c["evsi"], c["rw_gain"])[0, 1])


def _top_vs_mean(g: pd.DataFrame) -> float:
    return float(g.loc[g["evsi"].idxmax(), "rw_gain"] - g["rw_gain"].mean())


def _write(frame: pd.DataFrame, path: str) -> None:
    """Write whole or not at all (a run stopped mid-write keeps the last complete csv)."""
    frame.to_csv(path + ".part", index=False)
    os.replace(path + ".part", path)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--worlds", type=int, default=20)
    p.add_argument("--noise-draws", type=int, default=4)
    p.add_argument("--draws", type=int, default=FIT["draws"], help="per chain, tune the same")
    p.add_argument("--out", default="benchmarks/results/test_value.md")
    p.add_argument("--roi-prior", choices=("default", "world"), default="default")
    p.add_argument(
        "--worlds-from",
        choices=("grid", "prior"),
        default="grid",
        help="prior: the worlds' media parameters are draws of the model's priors (needs "
        "--roi-prior world: the default ROI prior depends on the outcome)",
    )
    p.add_argument("--grid", choices=("always_on", "mixed"), default="always_on")
    p.add_argument("--summarize", action="store_true", help="only rewrite the md from the csvs")
    p.add_argument("--first-world", type=int, default=0, help="worlds' seeds start here")
    p.add_argument(
        "--also",
        action="append",
        default=[],
        help="with --summarize: another run's md whose csvs join this one's (shards)",
    )
    p.add_argument(
        "--blind",
        action="store_true",
        help="a pre-registered run: no result is logged or summarised before all --worlds ran",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the worlds already in the csvs, run the missing ones up to --worlds",
    )
    args = p.parse_args()
    FIT.update(draws=args.draws, tune=args.draws)
    if args.roi_prior == "world":
        SPEC["priors"] = WORLD_ROI_PRIOR
    if args.worlds_from == "prior":
        if args.roi_prior != "world":
            p.error("--worlds-from prior needs --roi-prior world")
        WORLDS_FROM["prior"] = True
    WORLDS_FROM["mixed"] = args.grid == "mixed"
    if args.grid == "mixed" and args.worlds_from == "prior":
        p.error("--grid mixed draws the worlds' media parameters from the grid")
    logging.basicConfig(level=logging.INFO)
    if args.blind:  # the per-world line carries the regrets: progress only
        log.setLevel(logging.WARNING)
    arms, designs = run_worlds(run_world, args, resume=args.resume or args.summarize)
    for other in args.also if args.summarize else ():
        arms, designs = (
            pd.concat([frame, pd.read_csv(other.replace(".md", suffix))], ignore_index=True)
            for frame, suffix in ((arms, ".csv"), (designs, "_designs.csv"))
        )
    if args.blind and arms["world"].nunique() < args.worlds:
        return
    designs.attrs["noise_draws"] = args.noise_draws
    text = "# Value of a test: top-ranked vs random vs biggest channel\n\n" + summary(arms, designs)
    write_report(args.out, text)


def run_worlds(run, args, resume: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Worlds ``F..F+args.worlds-1`` (``F``: ``args.first_world``) by ``run(seed,
    noise_draws)`` (arm rows, design rows), each world's rows written to the csvs beside
    ``args.out`` as it ends; with ``resume`` the worlds already there are kept
    (``args.summarize``: none is run)."""
    paths = args.out.replace(".md", ".csv"), args.out.replace(".md", "_designs.csv")
    arms, designs = [], []
    if resume and all(os.path.exists(path) for path in paths):
        arms, designs = (pd.read_csv(path).to_dict("records") for path in paths)
    done = {int(r["world"]) for r in arms}
    first = getattr(args, "first_world", 0)
    todo = [s for s in range(first, first + args.worlds) if s not in done]
    for k, seed in enumerate(() if args.summarize else todo):
        a, d = run(seed, args.noise_draws)
        arms, designs = arms + a, designs + d
        for rows, path in zip((arms, designs), paths, strict=True):
            _write(pd.DataFrame(rows), path)
        logging.getLogger("progress").info(
            "world %d done (%d of %d left)", seed, len(todo) - k - 1, len(todo)
        )
    return pd.DataFrame(arms), pd.DataFrame(designs)


def write_report(out: str, text: str) -> None:
    """``text`` then the hand-written readings already in ``out`` (its first "## " on)."""
    notes = ""
    if os.path.exists(out):
        before = open(out).read()
        notes = before[before.index("\n## ") :] if "\n## " in before else ""
    with open(out, "w") as f:
        f.write(text + "\n" + notes)
    print(text)


if __name__ == "__main__":
    main()
