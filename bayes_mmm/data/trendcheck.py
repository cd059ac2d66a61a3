"""Controls that nearly duplicate the trend: a data check with advice.

A control that is almost a straight line in time (store count growing week after week) or
almost a smooth function of time (a sentiment index that follows the business cycle) cannot
be told apart from the model's trend or smooth baseline: its coefficient and the trend trade
off along a ridge (slow sampling, divergences) and the drift the two leave unexplained is
pushed into media. The user's cure is to drop the column, difference or detrend it, or let
the smooth baseline (``ModelSpec(baseline="smooth")``, ``--baseline smooth``) carry the drift.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayes_mmm.data.problems import DataWarning

CORR_LIMIT = 0.95  # |correlation with time| above this: a trend
SMOOTH_R2_LIMIT = 0.95  # R^2 on a smooth basis of time above this: a smooth drift
SMOOTH_TERMS = 4  # cosine terms of the smooth basis: wiggles no faster than ~window / 4


def smooth_time_basis(n: int, terms: int = SMOOTH_TERMS) -> np.ndarray:
    """``(n, 2 + terms)``: constant, linear time and the first ``terms`` cosines over the rows."""
    t = (np.arange(n) + 0.5) / max(n, 1)
    cols = [np.ones(n), t - 0.5] + [np.cos(np.pi * k * t) for k in range(1, terms + 1)]
    return np.column_stack(cols)


def trend_like(values: np.ndarray) -> tuple[float, float]:
    """``(|correlation with time|, R^2 on the smooth time basis)`` of one column."""
    x = np.asarray(values, dtype=float)
    ok = np.isfinite(x)
    x, n = x[ok], int(ok.sum())
    if n < 10 or np.ptp(x) == 0:
        return 0.0, 0.0
    t = np.arange(len(values), dtype=float)[ok]
    corr = abs(float(np.corrcoef(t, x)[0, 1]))
    basis = smooth_time_basis(len(values))[ok]
    fitted = basis @ np.linalg.lstsq(basis, x, rcond=None)[0]
    r2 = 1 - float(np.sum((x - fitted) ** 2) / np.sum((x - x.mean()) ** 2))
    return corr, r2


def trend_like_controls(frame: pd.DataFrame, controls: Sequence[str]) -> list[str]:
    """One advice line per control that nearly duplicates the trend or a smooth drift
    (rows in date order)."""
    lines = []
    for name in controls:
        corr, r2 = trend_like(frame[name].to_numpy(dtype=float))
        if corr > CORR_LIMIT:
            what = f"nearly duplicates the trend (correlation with time {corr:.2f})"
        elif r2 > SMOOTH_R2_LIMIT:
            what = f"is nearly a smooth function of time (R² {r2:.2f} on a smooth time basis)"
        else:
            continue
        lines.append(
            f"control '{name}' {what}: the model cannot tell its effect from the baseline's "
            f"drift, which slows sampling and can push that drift into media. Drop '{name}', "
            "or give its change (difference it) or its deviation from its own trend "
            "(detrend it), or fit the smooth baseline (--baseline smooth; Python: "
            "ModelSpec(baseline='smooth')) without it"
        )
    return lines


def warn_trend_like_controls(frame: pd.DataFrame, controls: Sequence[str]) -> None:
    """A ``DataWarning`` per control that nearly duplicates the trend (see module doc)."""
    for line in trend_like_controls(frame, controls):
        warnings.warn(line, DataWarning, stacklevel=4)
