"""Tick label formats of the figures. Module-level functions (not lambdas), so that a figure
can be pickled to the PNG worker (:mod:`bayes_mmm.plots.png`); this module imports only
matplotlib, which is all the worker loads to unpickle it."""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter


def number(value: float, _pos=None) -> str:
    """Thousands separators from 100 up, three significant digits below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


NUMBER = FuncFormatter(number)
