"""The result of a geo allocation (:func:`bayes_mmm.budget.geo.optimize_geo`): tables per
cell with national rows first, one row per plan, and the paired outcome draws of both plans
(what the report's cards and outcome figure read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayes_mmm.analysis.summary import eti_bounds
from bayes_mmm.budget.allocation import _at_bound, plan_scalars
from bayes_mmm.budget.geo_response import SplitResponse, paid_index
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.data.geo import NATIONAL

if TYPE_CHECKING:
    from bayes_mmm.budget.geo import GeoAllocator

PLANS = ("current", "recommended")


@dataclass(frozen=True)
class GeoAllocation:
    """A geo fit's recommended plan next to the current one.

    ``table``: one row per paid (geo, channel) cell, national rows (geo ``national``) first;
    ``outcome``: one row per plan (``current``, ``recommended``): total spend, incremental
    outcome, its gain over the current plan and ROI with intervals, the objective and
    ``p_beats_current``; ``draws``: each plan's incremental outcome per posterior draw;
    ``weekly``: each plan's spend per period ``(geo, horizon, paid channel)``
    (:func:`~bayes_mmm.budget.geo_plan.plan_table` lays it out as ``plan.csv``).
    """

    table: pd.DataFrame
    outcome: pd.DataFrame
    objective: Objective
    budget: float
    horizon: int
    by_geo: bool
    p_beats_current: float
    success: bool
    message: str
    seconds: float
    info: dict = field(default_factory=dict)
    draws: dict[str, np.ndarray] = field(default_factory=dict)
    weekly: dict[str, np.ndarray] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Scalars for JSON."""
        return plan_scalars(self, by_geo=self.by_geo)

    def outcome_draws(self) -> dict[str, np.ndarray]:
        """Incremental outcome per posterior draw of each plan (summed over cells)."""
        return dict(self.draws)

    def national(self) -> pd.DataFrame:
        """The national rows of ``table``: one per paid channel."""
        return self.table[self.table["geo"] == NATIONAL].reset_index(drop=True)


def cell_table(alloc: GeoAllocator, cur: np.ndarray, rec: np.ndarray, ci_prob: float):
    """Per-cell rows (and national sums first) of the current and recommended plans; with
    the per-draw incremental outcome of each plan. ``beyond_history``: the plan's flat
    weekly spend above the largest week in the data (nationally, or in the cell)."""
    cells = alloc.resp.cells if isinstance(alloc.resp, SplitResponse) else alloc.resp
    c_cur, c_rec = alloc.cell_totals(cur).ravel(), alloc.cell_totals(rec).ravel()
    y_cur = cells.incremental(c_cur)
    y_rec, dy_rec = cells.incremental_and_grad(c_rec)
    n_g, n_c = len(alloc.geos), len(alloc.paid)
    at = _at_bound(alloc, rec, 1e-6 * max(rec.sum(), 1.0))
    none, (lo, hi) = np.full(n_g * n_c, np.nan), eti_bounds(y_rec, ci_prob)
    frame = pd.DataFrame({
        "geo": np.repeat(alloc.geos, n_c), "channel": np.tile(alloc.paid, n_g),
        "current_spend": c_cur, "recommended_spend": c_rec,
        "lower_bound": alloc.lo if alloc.by_geo else none,
        "upper_bound": alloc.hi if alloc.by_geo else none,
        "at_bound": at if alloc.by_geo else "",
        "current_outcome_mean": y_cur.mean(0), "recommended_outcome_mean": y_rec.mean(0),
        "recommended_outcome_lower": lo, "recommended_outcome_upper": hi,
        "recommended_mroi_mean": dy_rec.mean(0),
    })  # fmt: skip
    sums = ["current_spend", "recommended_spend", "current_outcome_mean",
            "recommended_outcome_mean"]  # fmt: skip
    nat = frame.groupby("channel", sort=False)[sums].sum().reset_index().assign(geo=NATIONAL)
    nat = nat.assign(lower_bound=none[:n_c], upper_bound=none[:n_c], at_bound="")
    if not alloc.by_geo:
        nat = nat.assign(lower_bound=alloc.lo, upper_bound=alloc.hi, at_bound=at)
    y_nat = y_rec.reshape(-1, n_g, n_c).sum(axis=1)
    nat["recommended_outcome_lower"], nat["recommended_outcome_upper"] = eti_bounds(y_nat, ci_prob)
    table = pd.concat([nat, frame], ignore_index=True)[frame.columns]
    seen = alloc.fit.data.geo_spend[:, :, paid_index(alloc.fit)]  # weekly maxima in the data
    seen = np.concatenate([seen.sum(axis=0).max(axis=0), seen.max(axis=1).ravel()])
    table["beyond_history"] = table.recommended_spend / alloc.horizon > seen * (1 + 1e-9)
    change = table.recommended_spend - table.current_spend
    table.insert(4, "change", change)
    cur_ = table.current_spend.where(table.current_spend > 0)
    table.insert(5, "change_pct", 100 * change / cur_)
    return table, y_cur.sum(axis=1), y_rec.sum(axis=1)


def outcome_table(alloc: GeoAllocator, cur, rec, y_cur, y_rec, ci_prob: float):
    """One row per plan: spend, incremental outcome, gain over the current plan and ROI
    (means and intervals), the 10% quantile, the objective; and P(recommended beats
    current)."""
    obj = alloc.objective
    s_cur, s_rec = obj.score(y_cur, cur.sum()), obj.score(y_rec, rec.sum())
    p_beats = float((s_rec > s_cur).mean())
    rows = []
    for name, y, total in zip(PLANS, (y_cur, y_rec), (cur, rec), strict=True):
        row = {"plan": name, "total_spend": float(total.sum())}
        spend = max(float(total.sum()), 1e-12)
        for q, v in (("incremental", y), ("vs_current", y - y_cur), ("roi", y / spend)):
            lo, hi = eti_bounds(v, ci_prob)
            row |= {f"{q}_mean": float(v.mean()), f"{q}_median": float(np.median(v)),
                    f"{q}_lower": float(lo), f"{q}_upper": float(hi)}  # fmt: skip
        row["incremental_q10"] = float(np.quantile(y, 0.1))
        row["objective"] = obj.evaluate(y, float(total.sum()))
        row["p_beats_current"] = p_beats if name == "recommended" else np.nan
        rows.append(row)
    outcome = pd.DataFrame(rows)
    outcome.attrs["ci_prob"] = ci_prob
    return outcome, p_beats
