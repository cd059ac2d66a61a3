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

``--oracle`` pins every channel's decay, half-saturation and Hill slope at the simulator's
truth with very tight priors (ROI, baseline, trend, seasonality, controls and noise stay free,
with their default priors): how well ROI can be recovered when the response shapes are known.

``--lift-tests always_on,growing`` (or ``all``) adds one simulated go-dark lift test per channel
of those spend patterns, at the channel's on-week mean spend: the true lift plus noise of
``--lift-sd`` (default 0.15) times it, that standard error given to the model
(``MMMData.with_lift_tests``): how far experiments take ROI recovery where sales data alone
cannot.

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

import bayes_mmm as bm
from bayes_mmm import dims as D
from bayes_mmm.analysis.mroi import mroi_values
from bayes_mmm.budget.synthetic import truth_fit
from bayes_mmm.data.scaling import allweek_to_onweek, onweek_mean
from bayes_mmm.data.simulate import PATTERNS

LEVELS = (0.5, 0.8, 0.9)
PATTERN_MIX = ("always_on", "always_on", "flighted", "growing")
SHAPES = (D.DECAY, D.HALF_SAT, D.SLOPE)
ORACLE_CONCENTRATION = 1e4  # Beta(m c, (1 - m) c) for the decay: sd about 0.005
ORACLE_SIGMA = 0.01  # LogNormal sigma for half-saturation and slope: about 1%


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
    )


def check_oracle_base(spec: bm.ModelSpec) -> None:
    """Refuse a ``--spec`` that the oracle cannot pin (or would silently override)."""
    problems = []
    if not spec.adstock:
        problems.append("adstock=False (no decay to pin)")
    if spec.saturation != "hill":
        problems.append(f"saturation={spec.saturation!r} (no Hill slope to pin)")
    named = sorted({n for n in spec.priors if n in SHAPES})
    named += sorted(
        {f"{ch}.{n}" for ch, ps in spec.channel_priors.items() for n in ps if n in SHAPES}
    )
    if named:
        problems.append(f"shape priors {named} (the oracle sets these)")
    if problems:
        raise SystemExit("--oracle cannot be combined with this --spec: " + "; ".join(problems))


def oracle_spec(
    sim: bm.Simulation,
    base: bm.ModelSpec | None = None,
    concentration: float = ORACLE_CONCENTRATION,
    sigma: float = ORACLE_SIGMA,
) -> bm.ModelSpec:
    """``base`` (default: the package defaults) with every channel's decay, half-saturation
    and slope pinned at the simulator's truth; the truth's half-saturation (all-week mean
    spend) is converted to the model's unit (on-week mean spend), as in ``truth_fit``."""
    t = sim.truth
    base = base or bm.ModelSpec()
    if base.l_max != t.l_max:
        raise SystemExit(f"--oracle: spec l_max {base.l_max} differs from the truth's {t.l_max}")
    k = allweek_to_onweek(t.half_saturation, sim.to_data().spend)
    pins = {}
    for j, ch in enumerate(t.channels):
        m = t.decay[j]
        pins[ch] = {
            **base.channel_priors.get(ch, {}),
            D.DECAY: bm.Prior("Beta", alpha=m * concentration, beta=(1 - m) * concentration),
            D.HALF_SAT: bm.Prior("LogNormal", mu=float(np.log(k[j])), sigma=sigma),
            D.SLOPE: bm.Prior("LogNormal", mu=float(np.log(t.slope[j])), sigma=sigma),
        }
    return base.replace(channel_priors={**base.channel_priors, **pins})


def with_lift_tests(sim: bm.Simulation, sc: dict, patterns: set[str], rel_sd: float):
    """The simulation's data with a go-dark test of every channel whose pattern is in
    ``patterns``: measured lift = true steady-state lift (``lift_draws`` of the truth) plus
    normal noise of ``rel_sd`` x its size, which is also the standard error given."""
    data = sim.to_data()
    chosen = [j for j, pat in enumerate(sc["patterns"]) if pat in patterns]
    if not chosen:
        return data, np.zeros(data.n_channels, dtype=bool)
    spend = onweek_mean(data.spend)[chosen]
    plan = pd.DataFrame(
        {"channel": [data.channels[j] for j in chosen], "spend": spend, "delta_spend": -spend}
    )
    truth = bm.lift_draws(truth_fit(sim), plan).values.ravel()
    sigma = rel_sd * np.abs(truth)
    noise = np.random.default_rng([sc["seed"], 7]).normal(0.0, sigma)
    tested = np.isin(np.arange(data.n_channels), chosen)
    return data.with_lift_tests(plan.assign(lift=truth + noise, sigma=sigma)), tested


def _covered(draws: np.ndarray, truth: float, level: float) -> tuple[bool, float]:
    """Whether the central ``level`` interval of ``draws`` holds ``truth``; its width / truth."""
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return bool(lo <= truth <= hi), (hi - lo) / truth


def evaluate(
    sc: dict,
    draws: int,
    tune: int,
    chains: int,
    spec: bm.ModelSpec | None,
    study: str = "default",
    oracle: dict | None = None,
    lift: tuple[set[str], float] | None = None,
) -> list[dict]:
    """Fit one scenario and score it; ``oracle`` (keyword arguments of :func:`oracle_spec`):
    pin the true shapes on top of ``spec``."""
    sim = simulate(sc)
    data = sim.to_data()
    tested = np.zeros(data.n_channels, dtype=bool)
    if lift is not None:
        data, tested = with_lift_tests(sim, sc, *lift)
    if oracle is not None:
        spec = oracle_spec(sim, spec, **oracle)
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
            "study": study,
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


def plot(channels: pd.DataFrame, path: Path, oracle: bool = False) -> None:
    from bayes_mmm.plots.checking import calibration

    fig = calibration(channels, LEVELS)
    if oracle:
        fig.axes[0].set_title("ROI interval calibration, ORACLE (true shapes pinned)")
    bm.io.write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=36, help="number of simulated data sets")
    p.add_argument("--start", type=int, default=0, help="first data set index")
    p.add_argument("--seed", type=int, default=0, help="grid seed")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--spec", type=Path, help="model spec JSON (default: package defaults)")
    p.add_argument("--quick", action="store_true", help="6 data sets, 500 draws")
    p.add_argument(
        "--oracle",
        action="store_true",
        help="pin each channel's decay, half-saturation and slope at the truth",
    )
    p.add_argument(
        "--oracle-concentration",
        type=float,
        default=ORACLE_CONCENTRATION,
        help="Beta concentration of the pinned decay (default %(default)g)",
    )
    p.add_argument(
        "--oracle-sigma",
        type=float,
        default=ORACLE_SIGMA,
        help="LogNormal sigma of the pinned half-saturation and slope (default %(default)g)",
    )
    p.add_argument(
        "--lift-tests",
        metavar="PATTERNS",
        help="simulated go-dark lift tests for channels of these spend patterns "
        "(comma-separated, or 'all')",
    )
    p.add_argument("--lift-sd", type=float, default=0.15, help="relative standard error")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/calibration"))
    a = p.parse_args(argv)
    if a.quick:
        a.n, a.draws, a.tune = 6, 500, 500
    spec = bm.ModelSpec.from_json(a.spec.read_text()) if a.spec else None
    oracle = None
    study = "spec" if spec else "default"
    title = f"Calibration study: {'model spec ' + str(a.spec) if spec else 'default model'}"
    if a.oracle:
        if spec is not None:
            check_oracle_base(spec)
        oracle = {"concentration": a.oracle_concentration, "sigma": a.oracle_sigma}
        study = "oracle"
        title = (
            "ORACLE calibration study: true decay, half-saturation and slope pinned "
            f"(decay Beta concentration {a.oracle_concentration:g}, half-saturation and slope "
            f"LogNormal sigma {a.oracle_sigma:g}); ROI, baseline, trend, seasonality, controls "
            f"and noise free, {'model spec ' + str(a.spec) if spec else 'default priors'}"
        )
    lift = None
    if a.lift_tests:
        chosen = set(PATTERNS if a.lift_tests == "all" else a.lift_tests.split(","))
        unknown = chosen - set(PATTERNS)
        if unknown or not a.lift_sd > 0:
            raise SystemExit(f"--lift-tests: unknown patterns {sorted(unknown)} or --lift-sd <= 0")
        lift = (chosen, a.lift_sd)
        study += "+lift"
        title += (
            f"; with a go-dark lift test of every {'/'.join(sorted(chosen))} channel "
            f"(standard error {a.lift_sd:g} x the lift, measured with that noise)"
        )
    a.out.mkdir(parents=True, exist_ok=True)
    rows = []
    t_all = time.perf_counter()
    for i in range(a.start, a.start + a.n):
        sc = scenario(i, a.seed)
        rows += evaluate(sc, a.draws, a.tune, a.chains, spec, study, oracle, lift)
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
    if oracle is not None:
        overall["oracle_decay_concentration"] = a.oracle_concentration
        overall["oracle_sigma"] = a.oracle_sigma
    bm.io.write_csv(channels, a.out / "calibration_channels.csv")
    bm.io.write_csv(by_ds.reset_index(), a.out / "calibration_datasets.csv")
    bm.io.write_json(overall, a.out / "calibration_summary.json")
    plot(channels, a.out / "calibration.png", oracle=oracle is not None)
    md = [f"# {title}", "", "| metric | value |", "|---|---|"] + [
        f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |"
        for k, v in overall.items()
    ]
    bm.io.write_atomic(a.out / "calibration.md", lambda tmp: tmp.write_text("\n".join(md) + "\n"))
    print(json.dumps(overall, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
