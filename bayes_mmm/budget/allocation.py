"""The result of an allocation: the recommended plan next to the current one, both evaluated
over every posterior draw (tables, scenarios, P(recommended beats current))."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.summary import ci, eti_bounds
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.scenario import plan_frame, scenarios, summarize

if TYPE_CHECKING:
    from bayes_mmm.budget.optimize import Allocator, Solution


def plan_scalars(alloc, **extra) -> dict:
    """An allocation's scalars for JSON (``optimize.json``), ``extra`` after the budget's."""
    return {
        "objective": str(alloc.objective),
        "budget": alloc.budget,
        "horizon": alloc.horizon,
        **extra,
        "p_beats_current": alloc.p_beats_current,
        "success": alloc.success,
        "message": alloc.message,
        "seconds": alloc.seconds,
        **alloc.info,
    }


@dataclass(frozen=True)
class Allocation:
    """The recommended plan next to the current one.

    ``table``: one row per channel (totals over the horizon, outcome columns);
    ``outcome``: one row per plan (``current``, ``recommended``) summarising its outcome;
    ``scenarios``: the full :func:`~bayes_mmm.budget.scenario.scenario` of each plan;
    ``p_beats_current``: posterior probability (paired over draws) that the recommended
    plan scores higher than the current one on the objective's quantity.
    """

    table: pd.DataFrame
    outcome: pd.DataFrame
    scenarios: dict[str, xr.Dataset]
    plans: dict[str, pd.DataFrame]
    objective: Objective
    budget: float
    horizon: int
    p_beats_current: float
    success: bool
    message: str
    seconds: float
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Scalars for JSON."""
        return plan_scalars(self)

    def outcome_draws(self) -> dict[str, np.ndarray]:
        """Incremental outcome per posterior draw of each plan (summed over channels)."""
        return {k: np.ravel(ds["incremental"].sum("channel").values)
                for k, ds in self.scenarios.items()}  # fmt: skip

    def national(self) -> pd.DataFrame:
        """One row per channel: ``table`` itself (a geo allocation's national rows)."""
        return self.table

    def _repr_html_(self) -> str:  # Jupyter: the plan next to the current one
        from bayes_mmm.htmlreport.views import allocation_html

        return allocation_html(self)


# ---- solver ---------------------------------------------------------------------------------


def _plan(alloc: Allocator, total: np.ndarray) -> pd.DataFrame:
    shape = np.ones((alloc.horizon, len(total))) if alloc.shape is None else alloc.shape
    return plan_frame(alloc.fit, shape / shape.sum(axis=0) * total)


def report(alloc: Allocator, sol: Solution, ci_prob: float | None = None, seconds: float = 0.0):
    """Compare the solution with the current plan: an :class:`Allocation`."""
    obj, cur, rec = alloc.objective, alloc.current, sol.total
    plans = {"current": _plan(alloc, cur), "recommended": _plan(alloc, rec)}
    scen = scenarios(alloc.fit, plans)
    y_cur = alloc.resp.incremental(cur)
    y_rec, dy_rec = alloc.resp.incremental_and_grad(rec)
    s_cur, s_rec = obj.score(y_cur.sum(1), cur.sum()), obj.score(y_rec.sum(1), rec.sum())
    p_beats = float((s_rec > s_cur).mean())
    ci_prob = ci(ci_prob)
    table = _channel_table(alloc, rec, plans["recommended"], y_cur, y_rec, dy_rec, ci_prob)
    outcome = _outcome_table(obj, scen, cur, rec, p_beats, ci_prob)
    return Allocation(
        table=table,
        outcome=outcome,
        scenarios=scen,
        plans=plans,
        objective=obj,
        budget=float(rec.sum()),
        horizon=alloc.horizon,
        p_beats_current=p_beats,
        success=sol.success,
        message=sol.message,
        seconds=seconds,
        info={
            "ci_prob": ci_prob,
            "draws": alloc.resp.n_draws,
            "channels": len(cur),
            "units": alloc.fit.data.target_name,
        },
    )


def _at_bound(alloc: Allocator, rec: np.ndarray, tol: float) -> np.ndarray:
    """Per channel: 'fixed', 'lower', 'upper' (the recommended spend at a bound) or ''."""
    return np.where(
        alloc.hi - alloc.lo <= tol,
        "fixed",
        np.where(rec <= alloc.lo + tol, "lower", np.where(rec >= alloc.hi - tol, "upper", "")),
    )


def _channel_table(
    alloc: Allocator,
    rec: np.ndarray,
    rec_plan: pd.DataFrame,
    y_cur: np.ndarray,
    y_rec: np.ndarray,
    dy_rec: np.ndarray,
    ci_prob: float,
) -> pd.DataFrame:
    """One row per channel: spends, bounds and outcomes of the current and recommended plans."""
    cur = alloc.current
    lo_q, hi_q = eti_bounds(y_rec, ci_prob)
    tol = 1e-6 * max(rec.sum(), 1.0)
    weeks_seen = alloc.fit.data.spend.max(axis=0)
    rec_weekly = rec_plan.to_numpy().max(axis=0)
    return pd.DataFrame(
        {
            "channel": alloc.channels,
            "current_spend": cur,
            "recommended_spend": rec,
            "change": rec - cur,
            "change_pct": np.where(cur > 0, 100 * (rec - cur) / np.where(cur > 0, cur, 1), np.nan),
            "lower_bound": alloc.lo,
            "upper_bound": alloc.hi,
            "at_bound": _at_bound(alloc, rec, tol),
            "beyond_history": rec_weekly > weeks_seen * (1 + 1e-9),
            "current_outcome_mean": y_cur.mean(0),
            "recommended_outcome_mean": y_rec.mean(0),
            "recommended_outcome_lower": lo_q,
            "recommended_outcome_upper": hi_q,
            "recommended_roi_mean": np.where(
                rec > 0, y_rec.mean(0) / np.where(rec > 0, rec, 1), np.nan
            ),
            "recommended_mroi_mean": dy_rec.mean(0),
        }
    )


def _outcome_table(
    obj: Objective,
    scen: dict[str, xr.Dataset],
    cur: np.ndarray,
    rec: np.ndarray,
    p_beats: float,
    ci_prob: float,
) -> pd.DataFrame:
    """One row per plan (current, recommended) summarising its total outcome."""
    rows = []
    for name, ds, total in (
        ("current", scen["current"], cur),
        ("recommended", scen["recommended"], rec),
    ):
        summ = summarize(ds, ci_prob).query("channel == 'total'").set_index("quantity")
        row = {"plan": name, "total_spend": total.sum()}
        for q in ("outcome", "incremental", "vs_current", "roi"):
            if q in summ.index:
                for stat in ("mean", "median", "lower", "upper"):
                    row[f"{q}_{stat}"] = summ.loc[q, stat]
        row["incremental_q10"] = np.quantile(ds["incremental"].sum("channel").values, 0.1)
        row["objective"] = obj.evaluate(
            np.ravel(ds["incremental"].sum("channel").values), total.sum()
        )
        row["p_beats_current"] = p_beats if name == "recommended" else np.nan
        rows.append(row)
    outcome = pd.DataFrame(rows)
    outcome.attrs["ci_prob"] = ci_prob
    return outcome
