"""Batch plans: choose up to ``max_tests`` lift tests under a testing budget (at most
``max_weeks_dark`` weeks of cut or dark spend in all) by greedy search on their *joint*
value: the EVSI of the tests' results seen together (the second test is valued given what
the first will tell) minus the tests' costs. :func:`exhaustive_plan` searches every
allowed set (small cases: ``tests/test_value.py`` checks greedy against it).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.analysis.summary import ci
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.cost import plan_costs
from bayes_mmm.experiments.value import N_OUTCOMES, Decision, set_value
from bayes_mmm.experiments.window import design_lift
from bayes_mmm.inference.fit import MMMFit

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """What valuing sets of candidate tests needs, computed once."""

    table: pd.DataFrame
    lift: np.ndarray  # (S, candidate)
    sigma: np.ndarray
    cost: np.ndarray  # (candidate,) expected cost in the objective's units
    dark_weeks: np.ndarray  # weeks each candidate cuts spend (0 for increases)
    decision: Decision
    n_outcomes: int
    seed: int
    singles: dict[int, float] = field(default_factory=dict)  # EVSI of one test, if known

    def value(self, chosen: tuple[int, ...]) -> float:
        """Net value of running the tests ``chosen`` together (0 for none)."""
        if not chosen:
            return 0.0
        idx = list(chosen)
        if len(idx) == 1 and idx[0] in self.singles:
            return self.singles[idx[0]] - float(self.cost[idx[0]])
        v = set_value(self.decision, self.lift[:, idx], self.sigma[idx], self.n_outcomes, self.seed)
        return v["evsi"] - float(self.cost[idx].sum())

    def allowed(self, chosen: tuple[int, ...], max_tests: int, max_weeks_dark: float) -> bool:
        return len(chosen) <= max_tests and self.dark_weeks[list(chosen)].sum() <= max_weeks_dark


def prepare(
    fit: MMMFit,
    candidates="default",
    *,
    objective: str | Objective = "mean",
    budget: float | None = None,
    horizon: int = 13,
    bounds=None,
    noise_scale: float = 1.0,
    n_outcomes: int = N_OUTCOMES,
    seed: int = 0,
) -> Batch:
    tests, table = candidate_tests(fit, candidates, noise_scale)
    lift = design_lift(fit, tests)
    decision = Decision.make(fit, horizon, objective, budget, bounds, None)
    prob = ci(None)
    cost = plan_costs(fit, decision, tests, prob)[:, 0]  # against the plan
    dark = np.where(tests.delta_spend < 0, tests.weeks, 0).astype(float)
    return Batch(table, lift, tests.sigma, cost, dark, decision, n_outcomes, seed)


def _known_singles(batch: Batch, ranked: pd.DataFrame | None) -> dict[int, float]:
    """The reweighted EVSI of each candidate from a ranking made with the same decision,
    draws of the results and candidates (else none: each is valued here)."""
    if ranked is None:
        return {}
    a = ranked.attrs
    known = a.get("evsi_reweighted", {})
    same = (
        a.get("objective") == str(batch.decision.objective)
        and np.array_equal(a.get("plan"), batch.decision.plan)
        and (a.get("n_outcomes"), a.get("seed")) == (batch.n_outcomes, batch.seed)
        and set(known) == set(batch.table["design"])
    )
    if not same:
        log.info("the ranking given was made for another decision: every value is recomputed")
        return {}
    return {i: known[d] for i, d in enumerate(batch.table["design"])}


def greedy_plan(batch: Batch, max_tests: int = 2, max_weeks_dark: float = 8) -> list[int]:
    """Add, one at a time, the allowed test that raises the joint net value most; stop when
    none raises it."""
    chosen: tuple[int, ...] = ()
    best = 0.0
    while len(chosen) < max_tests:
        options = [
            (batch.value((*chosen, i)), i)
            for i in range(len(batch.table))
            if i not in chosen and batch.allowed((*chosen, i), max_tests, max_weeks_dark)
        ]
        if not options:
            break
        value, i = max(options)
        if value <= best:
            break
        chosen, best = (*chosen, i), value
    return list(chosen)


def exhaustive_plan(batch: Batch, max_tests: int = 2, max_weeks_dark: float = 8) -> list[int]:
    """The allowed set of at most ``max_tests`` tests with the highest joint net value."""
    best, best_value = (), 0.0
    for k in range(1, max_tests + 1):
        for chosen in itertools.combinations(range(len(batch.table)), k):
            if batch.allowed(chosen, max_tests, max_weeks_dark):
                value = batch.value(chosen)
                if value > best_value:
                    best, best_value = chosen, value
    return list(best)


def plan_tests(
    fit: MMMFit,
    candidates="default",
    *,
    max_tests: int = 2,
    max_weeks_dark: float = 8,
    ranked: pd.DataFrame | None = None,
    **kw,
) -> pd.DataFrame:
    """The greedy batch plan: one row per chosen test, in the order chosen, with the joint
    net value of the tests up to and including it (``kw``: see :func:`prepare`).
    ``ranked``: :func:`~bayes_mmm.experiments.value.design_tests`' table for the same fit,
    candidates and decision: its values of single tests are reused, not recomputed."""
    batch = prepare(fit, candidates, **kw)
    batch.singles = _known_singles(batch, ranked)
    chosen = greedy_plan(batch, max_tests, max_weeks_dark)
    out = batch.table.iloc[chosen].reset_index(drop=True)
    out["cost"] = batch.cost[chosen]
    out["joint_net_value"] = [batch.value(tuple(chosen[: i + 1])) for i in range(len(chosen))]
    return out
