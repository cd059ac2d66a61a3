"""Budget scenarios and allocation under posterior uncertainty.

- :func:`scenario`: the posterior of a future spend plan's outcome (carryover in and out).
- :func:`optimize`: allocate a budget over channels for an objective over the draws.
- :func:`frontier`, :func:`best_budget`, :func:`budget_for_target`: how much to spend.

The current plan, the reference everywhere, spends each channel's mean weekly spend over the
last ``horizon`` periods of the data.
"""

from bayes_mmm.budget.allocation import Allocation
from bayes_mmm.budget.bounds import parse_bound, resolve_bounds
from bayes_mmm.budget.frontier import best_budget, budget_for_target, frontier
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.optimize import optimize
from bayes_mmm.budget.scenario import (
    current_plan,
    scaled_plan,
    scenario,
    scenarios,
    summarize,
    what_ifs,
)

__all__ = [
    "Allocation",
    "Objective",
    "best_budget",
    "budget_for_target",
    "current_plan",
    "frontier",
    "optimize",
    "parse_bound",
    "resolve_bounds",
    "scaled_plan",
    "scenario",
    "scenarios",
    "summarize",
    "what_ifs",
]
