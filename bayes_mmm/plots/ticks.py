"""Tick label formats of the figures. Module-level functions (not lambdas), so that a figure
can be pickled to the PNG worker (:mod:`bayes_mmm.plots.png`); this module imports only
matplotlib, which is all the worker loads to unpickle it."""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def number(value: float, _pos=None) -> str:
    """Thousands separators from 100 up, three significant digits below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def compact(value: float, _pos=None) -> str:
    """Short labels for horizontal axes, where full numbers collide: 25k, 1.5M, 2B (three
    significant digits), :func:`number` below 10,000."""
    rounded = float(f"{abs(value):.3g}")
    if rounded < 1e4:
        return number(value)
    size, suffix = next(pair for pair in _SUFFIXES if rounded >= pair[0])
    return f"{value / size:.3g}{suffix}"


NUMBER = FuncFormatter(number)
COMPACT = FuncFormatter(compact)
