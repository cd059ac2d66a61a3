"""Budget scenarios and allocation under posterior uncertainty.

- :func:`scenario`: the posterior of a future spend plan's outcome (carryover in and out).
- :func:`optimize`: allocate a budget over channels for an objective over the draws.
- :func:`frontier`, :func:`best_budget`, :func:`budget_for_target`: how much to spend.

The current plan, the reference everywhere, spends each channel's mean weekly spend over the
last ``horizon`` periods of the data.
Names are imported on first use (PEP 562), so that ``bayes_mmm.budget.objectives`` and
``bounds`` (argument checks of the command line) load without the PyMC stack.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

_WHERE = {
    "Allocation": "allocation",
    "parse_bound": "bounds",
    "resolve_bounds": "bounds",
    "best_budget": "frontier",
    "budget_for_target": "frontier",
    "frontier": "frontier",
    "Objective": "objectives",
    "optimize": "optimize",
    "current_plan": "scenario",
    "scaled_plan": "scenario",
    "scenario": "scenario",
    "scenarios": "scenario",
    "summarize": "scenario",
    "what_ifs": "scenario",
}

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


class _Package(ModuleType):
    """This package: a public name is imported on first use, and stays the function (or
    class) when the submodule of the same name (``optimize``, ``frontier``, ``scenario``)
    is imported later, as with eager ``from .optimize import optimize``."""

    def __getattr__(self, name: str) -> Any:
        if name not in _WHERE:
            raise AttributeError(f"module 'bayes_mmm.budget' has no attribute {name!r}")
        value = getattr(importlib.import_module(f"bayes_mmm.budget.{_WHERE[name]}"), name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WHERE and isinstance(value, ModuleType):  # the import system's binding
            value = getattr(value, name, value) if _WHERE[name] == name else None
            if value is None:
                return
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *__all__})


sys.modules[__name__].__class__ = _Package
