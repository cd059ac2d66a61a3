"""What a test costs the budget decision: its change run from the recommended plan's weekly
spend (:func:`at_plan`), the outcome it loses (or gains) until its carryover has faded, plus
the spend it adds valued at the plan's marginal return (:mod:`.value`'s module docstring)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from bayes_mmm.experiments.window import design_lift
from bayes_mmm.inference.fit import MMMFit

if TYPE_CHECKING:
    from bayes_mmm.experiments.value import Decision


def _cost(decision: Decision, lift: np.ndarray, spend_added: float, prob: float):
    """Cost of the test in the objective's units, its mean and interval over draws: the
    outcome lost, plus the outcome the spend added would have made in the plan (minus that of
    the spend saved: it can be spent elsewhere); x value for ``profit``."""
    lost = -lift + decision.price * spend_added
    if decision.objective.kind == "profit":
        lost = decision.objective.value * lost
    lo, hi = np.quantile(lost, [(1 - prob) / 2, (1 + prob) / 2])
    return float(lost.mean()), float(lo), float(hi)


def at_plan(fit: MMMFit, decision: Decision, tests) -> tuple[object, np.ndarray]:
    """The tests run from the recommended plan's weekly spend on their channel (their spend
    and change scaled by plan / current for that channel), their outcome counted until the
    carryover has faded (not only over the measured weeks: what is lost after them is lost
    too), and the spend each adds there."""
    paid = list(fit.data.paid_channels)
    ratio = np.divide(decision.plan, decision.current, out=np.zeros(len(paid)),
                      where=decision.current > 0)  # fmt: skip
    r = ratio[[paid.index(c) for c in tests.channel]]
    moved = replace(tests, spend=tests.spend * r, delta_spend=tests.delta_spend * r,
                    carryover_weeks=np.full(len(tests), fit.spec.n_lags),
                    measured_from=np.zeros(len(tests), dtype="int64"))  # fmt: skip
    return moved, moved.delta_spend * moved.weeks


def plan_costs(fit: MMMFit, decision: Decision, tests, prob: float) -> np.ndarray:
    """``(test, 3)`` each test's cost against the recommended plan (:func:`at_plan`): mean,
    lower and upper."""
    moved, added = at_plan(fit, decision, tests)
    lift = design_lift(fit, moved)
    return np.array([_cost(decision, lift[:, i], float(added[i]), prob)
                     for i in range(len(tests))])  # fmt: skip
