"""Allocate a budget over channels to maximise an objective over the posterior draws.

The decision is each channel's total spend over the horizon, spent flat week by week (or
following a given weekly ``shape``). The current plan, the reference for relative bounds and
for every comparison, spends each channel's mean weekly spend over the last ``horizon``
periods of the data. Bounds are totals over the horizon (absolute, or relative to the
current plan through ``max_change``); fixed channels keep their spend.

Method: a grid search over the posterior-mean response curves (dynamic programming over
channels, exact for a separable objective on the grid, so S-shaped curves and channels at
zero spend do not trap it) gives a start; SLSQP then maximises the exact objective over all
draws with analytic gradients (:mod:`bayes_mmm.budget.response`) and the budget as an
equality, from that start and from the current plan; the best result wins.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize

from bayes_mmm.budget.allocation import Allocation, report
from bayes_mmm.budget.bounds import resolve_bounds
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.paid import paid_only, resolve_objective
from bayes_mmm.budget.response import Response, build_response
from bayes_mmm.budget.scenario import check_horizon, current_weekly
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.logs import log

EXTRAPOLATION_CAP = 5.0  # free budget: weekly spend at most this x the largest weekly spend seen
GRID_DRAWS = 500
GRID_STEPS = 64
MAX_POLISH = 2  # SLSQP runs per solve, from the best starting points


# ---- result ---------------------------------------------------------------------------------
UNPOLISHED = "a starting point that polishing did not improve"


@dataclass
class Solution:
    total: np.ndarray  # (C,) spend over the horizon
    value: float  # objective
    success: bool
    message: str


def _project(u: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> np.ndarray:
    """The point of ``{lo <= x <= hi, sum x = budget}`` nearest to ``u`` (shift and clip)."""
    a, b = (lo - u).min() - 1, (np.minimum(hi, budget) - u).max() + 1
    for _ in range(100):
        mid = 0.5 * (a + b)
        if np.clip(u + mid, lo, hi).sum() < budget:
            a = mid
        else:
            b = mid
    x = np.clip(u + 0.5 * (a + b), lo, hi)
    free = (x > lo) & (x < hi)
    if free.any():  # remove the last rounding error
        x[free] += (budget - x.sum()) / free.sum()
    return np.clip(x, lo, hi)


class Allocator:
    """Solves allocation problems for one fit, horizon, objective and set of bounds."""

    def __init__(
        self,
        fit: MMMFit,
        horizon: int,
        objective: str | Objective = "mean",
        *,
        bounds=None,
        max_change=None,
        fixed=None,
        shape: np.ndarray | None = None,
        response: Response | None = None,
    ):
        if fit.data.n_geos > 1:
            raise ValueError(
                "this budget function plans national fits; on a geo fit use optimize(fit, ...) "
                "(channel totals split over geos, or by_geo=True) or bayes_mmm.budget.geo"
            )
        self.fit = fit = paid_only(fit)  # organic channels are not planned
        self.horizon = check_horizon(horizon)
        self.objective = resolve_objective(Objective.parse(objective), fit, self.horizon)
        self.channels = list(fit.data.channels)
        self.current = current_weekly(fit, self.horizon) * self.horizon
        self.lo, self.hi = resolve_bounds(self.channels, self.current, bounds, max_change, fixed)
        self.shape = shape
        self._set_response(response or build_response(fit, self.horizon, shape))

    def _set_response(self, response) -> None:
        """The response to optimise, its subset of draws for the grid search and the
        objective's scale (the current plan's outcome, or its spend if larger)."""
        self.resp = response
        n = self.resp.n_draws
        idx = np.unique(np.linspace(0, n - 1, min(n, GRID_DRAWS)).round().astype(int))
        self._grid_resp = self.resp.subset(idx)
        y_now = abs(float(self.draws(self.current).mean())) * self.objective.value
        self._f0 = max(y_now, float(self.current.sum()), 1e-12)

    def _weekly_max(self) -> np.ndarray:
        """Largest weekly spend seen of each decision variable (caps a free budget)."""
        return self.fit.data.spend.max(axis=0)

    # objective over all draws, in total-spend units
    def draws(self, total: np.ndarray) -> np.ndarray:
        """``(S,)`` incremental outcome of the plan with these channel totals."""
        return self.resp.incremental(total).sum(axis=1)

    def value(self, total: np.ndarray) -> float:
        return self.objective.evaluate(self.draws(total), float(np.sum(total)))

    def _value_and_grad(self, total: np.ndarray) -> tuple[float, np.ndarray]:
        y, dy = self.resp.incremental_and_grad(total)
        v, g = self.objective.evaluate_and_grad(y.sum(axis=1), dy)
        if self.objective.kind == "profit":
            v, g = v - total.sum(), g - 1.0
        return v, g

    def _caps(self, budget: float | None) -> np.ndarray:
        if budget is not None:
            return np.minimum(self.hi, budget - (self.lo.sum() - self.lo))
        seen = self._weekly_max() * self.horizon * EXTRAPOLATION_CAP
        return np.where(np.isfinite(self.hi), self.hi, np.maximum(seen, self.lo))

    def _grid_start(self, budget: float | None, hi: np.ndarray) -> np.ndarray | None:
        """Best plan on a grid of the posterior-mean curves (dynamic programming)."""
        lo, r, value = self.lo, self._grid_resp, self.objective.value
        k = np.arange(GRID_STEPS + 1)
        if budget is None:  # profit, free budget: each channel on its own
            u = lo + k[:, None] / GRID_STEPS * (hi - lo)
            f = np.stack([value * r.incremental(x).mean(axis=0) for x in u]) - u
            return u[f.argmax(axis=0), np.arange(len(lo))]
        step = (budget - lo.sum()) / GRID_STEPS
        u = lo + k[:, None] * step
        ok = u <= hi + 1e-9 * max(budget, 1.0)
        u = np.minimum(u, hi)
        f = np.where(ok, np.stack([r.incremental(x).mean(axis=0) for x in u]), -np.inf)
        best, choices = f[:, 0], []
        back = k[:, None] - k[None, :]  # units left for earlier channels
        for c in range(1, len(lo)):
            cand = np.where(back >= 0, best[np.clip(back, 0, None)] + f[None, :, c], -np.inf)
            choices.append(cand.argmax(axis=1))
            best = cand.max(axis=1)
        if not np.isfinite(best[-1]):
            return None
        units, j = np.zeros(len(lo), dtype=int), GRID_STEPS
        for c in range(len(lo) - 1, 0, -1):
            units[c] = choices[c - 1][j]
            j -= units[c]
        units[0] = j
        return u[units, np.arange(len(lo))]

    def _mean_optimum(self, budget: float | None) -> np.ndarray:
        """The plan maximising the expected outcome under the same bounds and budget."""
        twin = copy.copy(self)
        twin.objective = Objective.parse("mean")
        return twin.solve(budget).total

    def _polish(self, start, budget, lo, hi) -> Solution:
        free = hi - lo > 1e-12 * max(hi.max(initial=1.0), 1.0)
        x = start.copy()
        if not free.any():
            return Solution(x, self.value(x), True, "every channel is fixed by its bounds")
        # variables of order 1: spend in units of the mean free range, objective in units of
        # the current plan's outcome (or spend, whichever is larger)
        scale = max(np.mean(hi[free] - lo[free]), 1e-12)
        f0 = self._f0

        def fun(v):
            x[free] = v * scale
            val, grad = self._value_and_grad(x)
            return -val / f0, -grad[free] * scale / f0

        cons = []
        if budget is not None:
            target = (budget - lo[~free].sum()) / scale
            cons = [
                {"type": "eq", "fun": lambda v: v.sum() - target, "jac": lambda v: np.ones_like(v)}
            ]
        res = minimize(
            fun,
            start[free] / scale,
            jac=True,
            method="SLSQP",
            bounds=list(zip(lo[free] / scale, hi[free] / scale, strict=True)),
            constraints=cons,
            options={"maxiter": 300, "ftol": 1e-12},
        )
        x[free] = np.clip(res.x * scale, lo[free], hi[free])
        if budget is not None:
            x = _project(x, lo, hi, budget)
        return Solution(x.copy(), self.value(x), bool(res.success), str(res.message))

    def solve(
        self, budget: float | None, starts: Iterable[np.ndarray] = (), from_current: bool = True
    ) -> Solution:
        """Best plan for a total ``budget`` (``None``: free budget, profit objective only),
        polished from the grid optimum, the given ``starts`` and (``from_current``) the
        current plan."""
        if budget is None and self.objective.kind != "profit":
            raise ValueError("a free budget needs the profit objective (e.g. profit:2)")
        hi = self._caps(budget)
        lo = self.lo
        if budget is not None:
            if not np.isfinite(budget) or budget < 0:
                raise ValueError(f"budget must be a number >= 0, got {budget}")
            tol = 1e-9 * max(budget, 1.0)
            if budget < lo.sum() - tol or budget > self.hi.sum() + tol:
                raise ValueError(
                    f"budget {budget:,.2f} is outside what the bounds allow: "
                    f"{lo.sum():,.2f} to {self.hi.sum():,.2f} over {self.horizon} periods"
                )
        candidates = [self._grid_start(budget, hi), *starts]
        if from_current:
            candidates.append(self.current)
        if self.objective.kind in ("quantile", "cvar"):
            candidates.append(np.full(len(lo), (budget or self.current.sum()) / len(lo)))
            # the expected-value optimum: a risk-averse plan must do at least as well on its
            # own objective as the plan it is compared with
            candidates.append(self._mean_optimum(budget))
        # start a little inside the box: at zero spend the Hill gradient is 0 or unbounded
        # (slope above or below 1), which stalls SLSQP's first step
        inner = np.minimum(lo + 1e-3 * (hi - lo), hi)
        if budget is not None and inner.sum() > budget:
            inner = lo
        points = []
        for c in candidates:
            if c is None:
                continue
            c = np.clip(np.asarray(c, dtype=float), inner, hi)
            points.append(c if budget is None else _project(c, inner, hi, budget))
        if len(points) > MAX_POLISH:  # polish the most promising starts only
            points = sorted(points, key=self.value, reverse=True)[:MAX_POLISH]
        sols = [self._polish(p, budget, lo, hi) for p in points]
        # a start that polishing could not improve is kept as it is
        sols += [Solution(p.copy(), self.value(p), True, UNPOLISHED) for p in points]
        best = max(sols, key=lambda s: s.value)
        best.success = any(
            s.success for s in sols if abs(s.value - best.value) <= 1e-6 * abs(best.value) + 1e-12
        )
        return best


# ---- public ---------------------------------------------------------------------------------
def _say(msg: str, progress: bool) -> None:
    if progress:
        log.info(msg)


def optimize(
    fit: MMMFit,
    horizon: int,
    budget: float | None = None,
    *,
    objective: str | Objective = "mean",
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    max_change: float | Mapping[str, float] | None = None,
    fixed: Iterable[str] | Mapping[str, float] | None = None,
    shape: np.ndarray | None = None,
    free_budget: bool = False,
    ci_prob: float | None = None,
    progress: bool = False,
    by_geo: bool = False,
) -> Allocation:
    """Allocate ``budget`` (total spend over the next ``horizon`` periods; default: the current
    plan's total) over channels to maximise ``objective`` over the posterior.

    ``objective``: ``"mean"`` (expected incremental outcome), ``"quantile:0.1"``,
    ``"cvar:0.1"`` or ``"profit:V"`` (see :mod:`~bayes_mmm.budget.objectives`).
    ``bounds``, ``max_change``, ``fixed``: see :func:`resolve_bounds` (totals over the horizon).
    ``shape``: weekly pattern ``(horizon, channel)`` of each channel's spend (default flat).
    ``free_budget``: with ``profit``, choose the budget too (channels without an upper bound are
    capped at ``EXTRAPOLATION_CAP`` x their largest weekly spend in the data).
    The current plan is each channel's mean weekly spend over the last ``horizon`` periods.

    On a geo fit the result is a :class:`~bayes_mmm.budget.geo_allocation.GeoAllocation`: channel
    totals split over geos by their recent shares (default), or every geo x channel cell
    with ``by_geo=True`` (bounds may then name cells ``"GEO/CHANNEL"``); see
    :mod:`bayes_mmm.budget.geo`.
    """
    if fit.data.n_geos > 1:
        from bayes_mmm.budget.geo import optimize_geo

        return optimize_geo(fit, horizon, budget, by_geo=by_geo, objective=objective,
                            bounds=bounds, max_change=max_change, fixed=fixed, shape=shape,
                            free_budget=free_budget, ci_prob=ci_prob,
                            progress=progress)  # fmt: skip
    if by_geo:
        raise ValueError("by_geo needs a geo fit (data with geo=, --geo); this fit is national")
    t0 = time.perf_counter()
    alloc = Allocator(
        fit, horizon, objective, bounds=bounds, max_change=max_change, fixed=fixed, shape=shape
    )
    if free_budget:
        if budget is not None:
            raise ValueError("give a budget or free_budget=True, not both")
    elif budget is None:
        budget = float(alloc.current.sum())
    _say(f"optimizing {alloc.objective.label} over {alloc.resp.n_draws} draws", progress)
    sol = alloc.solve(budget)
    out = report(alloc, sol, ci_prob)
    out = replace(out, seconds=time.perf_counter() - t0)
    _say(
        f"done in {out.seconds:.1f} s; P(recommended beats current) = {out.p_beats_current:.2f}",
        progress,
    )
    return out
