"""How much to spend: the efficient frontier, the profit-maximising budget, and the budget
that reaches a target outcome or ROI (the seeds' "ROI optimisation" that cuts the budget).

Outcomes are incremental (versus zero media over the horizon, carryover after it included)
and every budget is optimally allocated (:class:`~bayes_mmm.budget.optimize.Allocator`; on
a geo fit :class:`~bayes_mmm.budget.geo.GeoAllocator`: national channel totals split over
the geos, or every geo x channel cell with ``by_geo=True``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayes_mmm.analysis.summary import ci, eti_bounds
from bayes_mmm.budget.allocation import Allocation, report
from bayes_mmm.budget.geo import GeoAllocator, geo_report
from bayes_mmm.budget.geo_allocation import GeoAllocation
from bayes_mmm.budget.optimize import Allocator, Solution, optimize
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.logs import log

BISECTION_STEPS = 12
TABULATE_MIN_POINTS = 6  # a frontier this long solves on the tabulated response
TABULATE_MAX_BYTES = 512e6  # ... when its table fits in this much memory


def _allocator(fit: MMMFit, horizon: int, objective: str, constraints: dict) -> Allocator:
    """The problem's allocator: on a geo fit a :class:`~bayes_mmm.budget.geo.GeoAllocator`
    (channel totals split over geos, or geo x channel cells with ``by_geo=True``)."""
    constraints = dict(constraints)
    by_geo = constraints.pop("by_geo", False)
    if fit.data.n_geos > 1:
        return GeoAllocator(fit, horizon, objective, by_geo=by_geo, **constraints)
    if by_geo:
        raise ValueError("by_geo needs a geo fit (data with geo=, --geo); this fit is national")
    return Allocator(fit, horizon, objective, **constraints)


def _report(alloc: Allocator, sol: Solution, ci_prob: float | None) -> Allocation | GeoAllocation:
    if isinstance(alloc, GeoAllocator):
        return geo_report(alloc, sol, ci_prob)
    return report(alloc, sol, ci_prob)


def _spend_columns(alloc: Allocator, total: np.ndarray) -> dict[str, float]:
    """``<channel>_spend`` per channel (national totals on a geo fit) and, with ``by_geo``,
    ``<geo>/<channel>_spend`` per cell."""
    if not isinstance(alloc, GeoAllocator):
        return {f"{c}_spend": v for c, v in zip(alloc.channels, total, strict=True)}
    cells = alloc.cell_totals(total)
    out = {f"{c}_spend": v for c, v in zip(alloc.paid, cells.sum(axis=0), strict=True)}
    if alloc.by_geo:
        out |= {f"{c}_spend": v for c, v in zip(alloc.channels, cells.ravel(), strict=True)}
    return out


def _budget_range(alloc: Allocator) -> tuple[float, float]:
    """Smallest and largest total the bounds allow (unbounded channels capped as for a free
    budget: at ``EXTRAPOLATION_CAP`` x their largest weekly spend in the data)."""
    return float(alloc.lo.sum()), float(alloc._caps(None).sum())


def default_budgets(alloc: Allocator, n_points: int = 15) -> np.ndarray:
    """From 20% to 200% of the current plan's total (within what the bounds allow), with the
    current total itself."""
    lo, hi = _budget_range(alloc)
    cur = float(alloc.current.sum())
    grid = np.append(np.linspace(0.2, 2.0, n_points) * cur, cur)
    return np.unique(np.clip(grid, lo, hi))


def _grid(alloc: Allocator, budgets, n_points: int, include) -> np.ndarray:
    """The frontier's budgets, ascending: given or default, with ``include`` (moved into the
    range the bounds allow); one of budgets equal but for rounding."""
    grid = default_budgets(alloc, n_points) if budgets is None else np.asarray(budgets, float)
    grid = np.unique(np.append(grid, np.clip(np.asarray(include, float), *_budget_range(alloc))))
    if not (np.isfinite(grid).all() and (grid >= 0).all()):
        raise ValueError("frontier budgets must be finite and >= 0")
    return grid[np.append(True, np.diff(grid) > 1e-9 * grid.max())] if len(grid) else grid


def _tabulate(alloc: Allocator, grid: np.ndarray) -> None:
    """Solve a long frontier on the response tabulated once per decision variable (cubic
    Hermite, ~1e-5 relative: :mod:`.tabulated`) instead of the forward model at every step
    of every solve; where the table would be too large, on the exact response."""
    from bayes_mmm.budget.tabulated import NODES, TabulatedResponse

    values = 2 * len(alloc.lo) * NODES * alloc.resp.n_draws  # the response and its slope
    if len(grid) < TABULATE_MIN_POINTS or 4 * values > TABULATE_MAX_BYTES:
        return
    dtype = np.float64 if 8 * values <= TABULATE_MAX_BYTES else np.float32  # e.g. by geo
    caps = np.maximum(alloc._caps(float(grid.max())), alloc.current)
    alloc._set_response(TabulatedResponse.build(alloc.resp, caps, dtype=dtype))


def frontier(
    fit: MMMFit,
    horizon: int,
    budgets: Sequence[float] | None = None,
    *,
    objective: str = "mean",
    ci_prob: float | None = None,
    n_points: int = 15,
    include: Sequence[float] = (),
    progress: bool = False,
    **constraints,
) -> pd.DataFrame:
    """Optimal incremental outcome for each total budget, with its uncertainty.

    One row per budget (ascending): ``budget, objective, incremental_mean, incremental_median,
    incremental_lower, incremental_upper, roi_mean, roi_lower, roi_upper, mroi`` (the slope of
    the expected frontier: extra outcome per extra unit of budget) and the allocation, one
    ``<channel>_spend`` column per channel. ``constraints``: ``bounds``, ``max_change``,
    ``fixed``, ``shape`` as for :func:`~bayes_mmm.budget.optimize.optimize`, and ``by_geo``
    on a geo fit (then one ``<geo>/<channel>_spend`` column per cell too). Default budgets:
    ``n_points`` from 20% to 200% of the current total, plus those in ``include`` (each moved
    into the range the bounds allow; ``budgets`` outside it are an error).
    """
    alloc = _allocator(fit, horizon, objective, constraints)
    grid = _grid(alloc, budgets, n_points, include)
    ci_prob = ci(ci_prob)
    exact = alloc.resp
    _tabulate(alloc, grid)
    rows, prev = [], None
    for i, b in enumerate(grid):
        if progress:
            log.info("frontier %d/%d: budget %s", i + 1, len(grid), f"{b:,.0f}")
        warm = [] if prev is None else [prev * b / max(prev.sum(), 1e-12)]
        sol = alloc.solve(float(b), starts=warm, from_current=prev is None)
        prev = sol.total
        y = exact.incremental(sol.total).sum(axis=1)  # reported on the exact response
        lo, hi = eti_bounds(y, ci_prob)
        row = {
            "budget": float(b),
            "objective": alloc.objective.evaluate(y, float(sol.total.sum())),
            "incremental_mean": y.mean(),
            "incremental_median": np.median(y),
            "incremental_lower": lo,
            "incremental_upper": hi,
        }
        roi = y / b if b > 0 else np.full_like(y, np.nan)
        r_lo, r_hi = eti_bounds(roi, ci_prob) if b > 0 else (np.nan, np.nan)
        row.update(roi_mean=roi.mean(), roi_lower=r_lo, roi_upper=r_hi)
        row.update(_spend_columns(alloc, sol.total))
        rows.append(row)
    out = pd.DataFrame(rows)
    mean = out["incremental_mean"].to_numpy()
    out.insert(9, "mroi", np.gradient(mean, out["budget"]) if len(out) > 1 else np.nan)
    out.attrs.update(
        ci_prob=ci_prob, current_budget=float(alloc.current.sum()), objective=alloc.objective.label
    )
    if isinstance(alloc, GeoAllocator):
        out.attrs.update(geos=len(alloc.geos), by_geo=alloc.by_geo)
    return out


def best_budget(
    fit: MMMFit, horizon: int, value: float, *, ci_prob: float | None = None, **constraints
) -> Allocation:
    """The budget and allocation that maximise expected profit, ``value`` x incremental
    outcome - spend (the marginal ROI of every channel that is not at a bound is 1 / value)."""
    return optimize(
        fit, horizon, objective=f"profit:{value}", free_budget=True, ci_prob=ci_prob, **constraints
    )


def _boundary(pred, lo: float, hi: float) -> tuple[float, float]:
    """Narrow ``[lo, hi]`` (``pred`` differs at the two ends) by ``BISECTION_STEPS`` halvings."""
    at_lo = pred(lo)
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if pred(mid) == at_lo else (lo, mid)
    return lo, hi


def budget_for_target(
    fit: MMMFit,
    horizon: int,
    *,
    outcome: float | None = None,
    roi: float | None = None,
    objective: str = "mean",
    ci_prob: float | None = None,
    **constraints,
) -> Allocation | GeoAllocation:
    """The least budget whose optimal plan reaches ``outcome`` (incremental, on the
    objective's statistic: expected value by default, or e.g. ``quantile:0.1`` for a target
    reached with 90% probability); or the largest budget whose optimal plan still has an
    incremental ROI of at least ``roi`` (ROI falls as the budget grows, so the least budget
    meeting an ROI target is a trivially small one). The budget is found to about 0.1%.
    """
    if (outcome is None) == (roi is None):
        raise ValueError("give one target: outcome or roi")
    alloc = _allocator(fit, horizon, objective, constraints)
    if alloc.objective.kind == "profit":
        raise ValueError("targets use the mean, quantile or cvar objective, not profit")
    lo, hi = _budget_range(alloc)
    cache: dict[float, Solution] = {}

    def solve(b: float) -> Solution:
        if b not in cache:
            near = min(cache, key=lambda k: abs(k - b), default=None)
            warm = [] if near is None else [cache[near].total * b / max(near, 1e-12)]
            cache[b] = alloc.solve(b, starts=warm, from_current=near is None)
        return cache[b]

    cur = float(alloc.current.sum())
    grid = np.unique(np.append(np.geomspace(max(lo, 0.01 * cur, 1e-9), hi, 12), cur).clip(lo, hi))
    if outcome is not None:

        def reached(b: float) -> bool:
            return solve(b).value >= outcome

        hits = [b for b in grid if reached(b)]
        if not hits:
            raise ValueError(
                f"no budget up to {hi:,.0f} reaches an outcome of {outcome:,.2f} "
                f"(at most {solve(grid[-1]).value:,.2f}); lower the target or widen the bounds"
            )
        below = [b for b in grid if b < hits[0]]
        b = _boundary(reached, below[-1], hits[0])[1] if below else hits[0]
    else:

        def meets(b: float) -> bool:
            return b > 0 and solve(b).value / b >= roi

        hits = [b for b in grid if meets(b)]
        if not hits:
            raise ValueError(
                f"no budget between {lo:,.0f} and {hi:,.0f} reaches an ROI of {roi:g}; "
                "lower the target"
            )
        above = [b for b in grid if b > hits[-1]]
        b = _boundary(meets, hits[-1], above[0])[0] if above else hits[-1]
    return _report(alloc, solve(b), ci_prob)
