"""Variants of the calibration study (``benchmarks/calibration.py``): what each changes in a
simulated data set's fit before it is scored.

- ``--spec``: a model spec instead of the defaults.
- ``--oracle``: every channel's decay, half-saturation and Hill slope pinned at the truth with
  very tight priors (ROI, baseline, trend, seasonality, controls and noise stay free): how well
  ROI can be recovered when the response shapes are known.
- ``--lift-tests PATTERNS``: one simulated go-dark lift test per channel of those spend
  patterns, at its on-week mean spend; measured value = the simulator's true steady-state lift
  plus noise of ``--lift-sd`` x its size, which is the standard error the model is told.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import bayes_mmm as bm
from bayes_mmm.data.scaling import allweek_to_onweek, onweek_mean
from bayes_mmm.data.simulate import PATTERNS
from bayes_mmm.model import dims as D

SHAPES = (D.DECAY, D.HALF_SAT, D.SLOPE)
ORACLE_CONCENTRATION = 1e4  # Beta(m c, (1 - m) c) for the decay: sd about 0.005
ORACLE_SIGMA = 0.01  # LogNormal sigma for half-saturation and slope: about 1%


@dataclass(frozen=True)
class Variant:
    """How a study fits each data set, and its name in every output."""

    study: str = "default"
    title: str = "Calibration study: default model"
    spec: bm.ModelSpec | None = None
    oracle: dict | None = None  # keyword arguments of oracle_spec
    lift_patterns: frozenset[str] = field(default_factory=frozenset)
    lift_sd: float = 0.15
    summary: dict = field(default_factory=dict)  # settings written into the summary

    def prepare(self, sim: bm.Simulation, sc: dict):
        """``(data, spec, tested)`` to fit: ``tested`` marks channels with a lift test."""
        data, tested = sim.to_data(), np.zeros(len(sc["channels"]), dtype=bool)
        if self.lift_patterns:
            data, tested = with_lift_tests(sim, sc, self.lift_patterns, self.lift_sd)
        spec = oracle_spec(sim, self.spec, **self.oracle) if self.oracle else self.spec
        return data, spec, tested


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec", type=Path, help="model spec JSON (default: package defaults)")
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


def from_arguments(a: argparse.Namespace) -> Variant:
    """The variant the command line asks for (bad combinations end with a clear message)."""
    spec = bm.ModelSpec.from_json(a.spec.read_text()) if a.spec else None
    base = f"model spec {a.spec}" if spec else "default model"
    study, title, oracle, summary = ("spec" if spec else "default"), base, None, {}
    if a.oracle:
        if spec is not None:
            check_oracle_base(spec)
        oracle = {"concentration": a.oracle_concentration, "sigma": a.oracle_sigma}
        summary = {"oracle_decay_concentration": oracle["concentration"]}
        summary["oracle_sigma"] = oracle["sigma"]
        study = "oracle"
        title = (
            "ORACLE: true decay, half-saturation and slope pinned (decay Beta concentration "
            f"{a.oracle_concentration:g}, half-saturation and slope LogNormal sigma "
            f"{a.oracle_sigma:g}); ROI, baseline, trend, seasonality, controls and noise "
            f"free, {base}"
        )
    patterns: frozenset[str] = frozenset()
    if a.lift_tests:
        patterns = frozenset(PATTERNS if a.lift_tests == "all" else a.lift_tests.split(","))
        unknown = patterns - set(PATTERNS)
        if unknown or not a.lift_sd > 0:
            raise SystemExit(f"--lift-tests: unknown patterns {sorted(unknown)} or --lift-sd <= 0")
        study += "+lift"
        title += (
            f"; with a go-dark lift test of every {'/'.join(sorted(patterns))} channel "
            f"(standard error {a.lift_sd:g} x the lift, measured with that noise)"
        )
    return Variant(
        study=study,
        title=f"Calibration study: {title}",
        spec=spec,
        oracle=oracle,
        lift_patterns=patterns,
        lift_sd=a.lift_sd,
        summary=summary,
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


def with_lift_tests(sim: bm.Simulation, sc: dict, patterns: frozenset[str], rel_sd: float):
    """The simulation's data with a go-dark test of every channel whose pattern is in
    ``patterns`` (measured = the simulator's true lift, ``Truth.lift``, plus normal noise of
    ``rel_sd`` x its size, the standard error given), and which channels were tested."""
    data = sim.to_data()
    chosen = [j for j, pat in enumerate(sc["patterns"]) if pat in patterns]
    tested = np.isin(np.arange(data.n_channels), chosen)
    if not chosen:
        return data, tested
    names = [data.channels[j] for j in chosen]
    spend = onweek_mean(data.spend)[chosen]
    truth = np.array([sim.truth.lift(c, x, -x)[0] for c, x in zip(names, spend, strict=True)])
    sigma = rel_sd * np.abs(truth)
    noise = np.random.default_rng([sc["seed"], 7]).normal(0.0, sigma)
    tests = pd.DataFrame(
        {"channel": names, "spend": spend, "delta_spend": -spend, "lift": truth + noise}
    )
    return data.with_lift_tests(tests.assign(sigma=sigma)), tested
