"""Scenarios on a geo fit: the incremental outcome of a plan against the current plan,
nationally and per geo (:func:`scenario_table`), for a weekly plan per geo
(:func:`plan_scenario`, ``scenario --plan``) and for each channel's national spend changed
by a fraction (:func:`geo_what_ifs`, ``scenario --what-if``).

Outcomes are the optimizer's (:func:`~bayes_mmm.budget.geo_response.geo_response`, the geo
forward model): versus no spend in the horizon, carryover in from the data and out after
the horizon included, over the same posterior draws; the current plan spends each cell's
mean weekly spend over the last ``horizon`` periods, every period.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayes_mmm.analysis.summary import ci, eti_bounds
from bayes_mmm.budget.geo_response import geo_current, geo_response, paid_index
from bayes_mmm.budget.scenario import check_horizon, what_if_row
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.inference.fit import MMMFit

TOTAL = "total"
COLUMNS = ["geo", "channel", "current_spend", "spend", "incremental_mean", "incremental_lower",
           "incremental_upper", "vs_current_mean", "vs_current_lower", "vs_current_upper",
           "prob_positive"]  # fmt: skip


def scenario_table(fit: MMMFit, cur: np.ndarray, new: np.ndarray, y_cur: np.ndarray,
                   y_new: np.ndarray, ci_prob: float) -> pd.DataFrame:  # fmt: skip
    """Rows ``geo`` (``national`` first, then each geo) x ``channel`` (each paid channel,
    then ``total``): spend of both plans, the plan's incremental outcome and its gain over
    the current plan (means and intervals), ``prob_positive`` (that it beats the current
    plan). ``cur``/``new`` ``(geo, channel)`` spend; ``y_cur``/``y_new`` ``(S, geo x
    channel)`` incremental outcome per draw."""
    geos, paid = list(fit.data.geos), list(fit.data.paid_channels)
    n_s, n_g, n_c = y_cur.shape[0], len(geos), len(paid)
    a_all, b_all = y_new.reshape(n_s, n_g, n_c), y_cur.reshape(n_s, n_g, n_c)
    rows = []
    for g, geo in enumerate([NATIONAL, *geos]):
        sl = slice(None) if g == 0 else [g - 1]
        for c, channel in enumerate([*paid, TOTAL]):
            cs = slice(None) if c == n_c else [c]
            a, b = a_all[:, sl][:, :, cs].sum(axis=(1, 2)), b_all[:, sl][:, :, cs].sum(axis=(1, 2))
            rows.append((geo, channel, cur[sl][:, cs].sum(), new[sl][:, cs].sum(),
                         a.mean(), *eti_bounds(a, ci_prob), (a - b).mean(),
                         *eti_bounds(a - b, ci_prob), float((a > b).mean())))  # fmt: skip
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs["ci_prob"] = ci_prob
    return out


def plan_scenario(fit: MMMFit, weekly: np.ndarray, ci_prob: float | None = None) -> pd.DataFrame:
    """:func:`scenario_table` of a weekly plan ``(geo, horizon, paid channel)`` (e.g.
    :func:`~bayes_mmm.budget.geo_plan.read_geo_plan`); the horizon is its length."""
    weekly = np.asarray(weekly, dtype=float)
    n_g, h, n_c = weekly.shape
    paid = paid_index(fit)
    if (n_g, n_c) != (fit.data.n_geos, len(paid)):
        raise ValueError(f"a plan is (geo, period, paid channel) = ({fit.data.n_geos}, H, "
                         f"{len(paid)}), got {weekly.shape}")  # fmt: skip
    if not np.isfinite(weekly).all() or (weekly < 0).any():
        raise ValueError("plan spend must be finite and >= 0")
    new = weekly.sum(axis=1)
    shape = np.ones((n_g, h, fit.data.n_channels))  # each cell's own pattern (flat if unspent)
    shape[:, :, paid] = np.where(new[:, None, :] > 0, weekly, 1.0)
    cur = geo_current(fit, h)
    y_cur = geo_response(fit, h).incremental(cur.ravel())
    y_new = geo_response(fit, h, shape).incremental(new.ravel())
    return scenario_table(fit, cur, new, y_cur, y_new, ci(ci_prob))


def geo_what_ifs(
    fit: MMMFit,
    horizon: int,
    changes: Sequence[float] = (-0.2, 0.2),
    ci_prob: float | None = None,
) -> pd.DataFrame:
    """Each paid channel's national spend changed by each fraction in ``changes``, split over
    the geos as its current spend is (every geo's cell scaled alike), the others unchanged:
    the change in national outcome versus the current plan.

    Columns as :func:`bayes_mmm.budget.scenario.what_ifs`: ``channel, change, spend_change,
    mean, median, lower, upper, prob_positive, marginal_roi`` (outcome change per unit of
    spend change, posterior mean).
    """
    h, prob = check_horizon(horizon), ci(ci_prob)
    cur = geo_current(fit, h)
    resp = geo_response(fit, h)
    y_cur = resp.incremental(cur.ravel()).sum(axis=1)
    rows = []
    for c, channel in enumerate(fit.data.paid_channels):
        for change in changes:
            new = cur.copy()
            new[:, c] *= 1.0 + change
            gain = resp.incremental(new.ravel()).sum(axis=1) - y_cur
            d_spend = float(cur[:, c].sum() * change)
            rows.append(what_if_row(channel, change, d_spend, gain, prob))
    out = pd.DataFrame(rows)
    out.attrs["ci_prob"] = prob
    return out
