"""Budget decisions on a geo fit: channel totals nationally (default) or every geo x channel
cell (``by_geo=True``, ``--by-geo``), with the risk-aware objectives of
:mod:`~bayes_mmm.budget.objectives`.

- National plans choose each paid channel's total over the horizon; it is spent in each geo
  in proportion to the geo's share of the channel's recent spend (the current plan's split),
  so the national response is the sum over geos of each geo's curve
  (:class:`~bayes_mmm.budget.geo_response.SplitResponse`).
- By-geo plans choose each cell's total; bounds, ``max_change`` and ``fixed`` name cells
  (``"GEO/CHANNEL"`` or ``(geo, channel)``) or channels (then every geo's cell of that
  channel, each relative to its own current spend). The national optimum is among the
  starting points, so a by-geo plan does at least as well as the national one on its
  objective.

The current plan (the reference) spends each cell's mean weekly spend over the last
``horizon`` periods. Results are :class:`GeoAllocation` tables per cell and per channel.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.analysis.summary import ci
from bayes_mmm.budget.bounds import resolve_bounds
from bayes_mmm.budget.geo_allocation import GeoAllocation, cell_table, outcome_table
from bayes_mmm.budget.geo_plan import spread
from bayes_mmm.budget.geo_response import (
    SEP,
    SplitResponse,
    cell_labels,
    geo_current,
    geo_response,
    geo_shares,
    paid_index,
)
from bayes_mmm.budget.geo_scenario import scenario_table
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.optimize import Allocator, Solution
from bayes_mmm.budget.paid import resolve_objective
from bayes_mmm.budget.scenario import check_horizon
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.logs import log


def _cell_key(key, geos, channels) -> list[str]:
    """Cell labels a bound's key names: a cell (``"GEO/CHANNEL"`` or a tuple) or a channel
    (all its cells)."""
    if isinstance(key, tuple) and len(key) == 2:
        key = f"{key[0]}{SEP}{key[1]}"
    key = str(key)
    if key in channels:
        return [f"{g}{SEP}{key}" for g in geos]
    geo, _, channel = key.rpartition(SEP)
    if geo in geos and channel in channels:
        return [key]
    raise ValueError(
        f"'{key}' names no paid channel and no GEO{SEP}CHANNEL cell; geos are "
        f"{list(geos)[:6]}{' ...' if len(geos) > 6 else ''}, channels {list(channels)}"
    )


def _per_cell(value, geos, channels):
    """A per-channel/per-cell mapping expanded to cells (cells win over channels)."""
    if value is None or not isinstance(value, Mapping | list | tuple | set):
        return value
    if not isinstance(value, Mapping):
        value = dict.fromkeys(value)
    out: dict = {}
    for key in sorted(value, key=lambda k: str(k) in channels, reverse=True):
        for cell in _cell_key(key, geos, channels):
            out.setdefault(cell, value[key])
    return out


class GeoAllocator(Allocator):
    """:class:`~bayes_mmm.budget.optimize.Allocator` on a geo fit: decision variables are
    paid channels (national) or paid (geo, channel) cells (``by_geo``)."""

    def __init__(self, fit: MMMFit, horizon: int, objective="mean", *, by_geo=False,
                 bounds=None, max_change=None, fixed=None, shape=None, cells=None):  # fmt: skip
        if fit.data.n_geos < 2:
            raise ValueError("by-geo allocation needs a geo fit (data with --geo)")
        self.fit, self.by_geo, self.shape = fit, by_geo, shape
        self.horizon = check_horizon(horizon)
        self.objective = resolve_objective(Objective.parse(objective), fit, self.horizon)
        data, paid = fit.data, paid_index(fit)
        self.geos, self.paid = list(data.geos), [data.channels[i] for i in paid]
        self.cells_current = geo_current(fit, self.horizon)  # (geo, paid channel)
        self.share = geo_shares(fit, self.horizon)
        cells = cells if cells is not None else geo_response(fit, self.horizon, shape)
        if by_geo:
            self.channels = cell_labels(self.geos, self.paid)
            self.current = self.cells_current.ravel()
            args = [_per_cell(v, self.geos, self.paid) for v in (bounds, max_change, fixed)]
            self.lo, self.hi = resolve_bounds(self.channels, self.current, *args)
            self.national = GeoAllocator(fit, horizon, objective, shape=shape, cells=cells)
            self._set_response(cells)
        else:
            self.channels = list(self.paid)
            self.current = self.cells_current.sum(axis=0)
            self.lo, self.hi = resolve_bounds(self.channels, self.current, bounds, max_change,
                                              fixed)  # fmt: skip
            self._set_response(SplitResponse(cells, self.share, self.paid))

    def _weekly_max(self) -> np.ndarray:
        spend = self.fit.data.geo_spend[:, :, paid_index(self.fit)]
        if self.by_geo:
            return spend.max(axis=1).ravel()
        return spend.sum(axis=0).max(axis=0)

    def cell_totals(self, total: np.ndarray) -> np.ndarray:
        """``(geo, paid channel)`` spend of a plan's decision variables."""
        total = np.asarray(total, dtype=float)
        if self.by_geo:
            return total.reshape(len(self.geos), len(self.paid))
        return self.share * total[None, :]

    def solve(self, budget, starts: Iterable[np.ndarray] = (), from_current: bool = True):
        starts = list(starts)
        if self.by_geo:  # the national optimum, split by geo, is a by-geo plan too
            try:
                nat = self.national.solve(budget).total
                starts.append(self.national.cell_totals(nat).ravel())
            except ValueError:  # the national problem's bounds differ: no such start
                pass
        return super().solve(budget, starts, from_current)


def optimize_geo(
    fit: MMMFit,
    horizon: int,
    budget: float | None = None,
    *,
    by_geo: bool = False,
    objective: str | Objective = "mean",
    bounds: Mapping | None = None,
    max_change: float | Mapping | None = None,
    fixed: Iterable | Mapping | None = None,
    shape: np.ndarray | None = None,
    free_budget: bool = False,
    ci_prob: float | None = None,
    progress: bool = False,
) -> GeoAllocation:
    """Allocate ``budget`` (default: the current plan's total) over a geo fit's paid
    channels (national split) or, with ``by_geo``, over its geo x channel cells; arguments
    as :func:`bayes_mmm.budget.optimize.optimize`, bounds keyed as the module says."""
    t0 = time.perf_counter()
    alloc = GeoAllocator(fit, horizon, objective, by_geo=by_geo, bounds=bounds,
                         max_change=max_change, fixed=fixed, shape=shape)  # fmt: skip
    if free_budget and budget is not None:
        raise ValueError("give a budget or free_budget=True, not both")
    if not free_budget and budget is None:
        budget = float(alloc.current.sum())
    where = f"{len(alloc.channels)} geo x channel cells" if by_geo else "channels (national)"
    if progress:
        log.info("optimizing %s over %s, %d draws", alloc.objective.label, where,
                 alloc.resp.n_draws)  # fmt: skip
    sol = alloc.solve(budget)
    return geo_report(alloc, sol, ci_prob, time.perf_counter() - t0)


def geo_report(alloc: GeoAllocator, sol: Solution, ci_prob: float | None = None,
               seconds: float = 0.0) -> GeoAllocation:  # fmt: skip
    """Compare a solution of ``alloc`` with the current plan: a :class:`GeoAllocation`
    (as :func:`~bayes_mmm.budget.allocation.report` nationally)."""
    prob = ci(ci_prob)
    table, y_cur, y_rec = cell_table(alloc, alloc.current, sol.total, prob)
    outcome, p_beats = outcome_table(alloc, alloc.current, sol.total, y_cur, y_rec, prob)
    paid = paid_index(alloc.fit)
    shape = None if alloc.shape is None else np.asarray(alloc.shape, dtype=float)[:, paid]
    plans = {"current": alloc.current, "recommended": sol.total}
    weekly = {k: spread(alloc.cell_totals(v), alloc.horizon, shape) for k, v in plans.items()}
    return GeoAllocation(
        table=table,
        outcome=outcome,
        objective=alloc.objective,
        budget=float(sol.total.sum()),
        horizon=alloc.horizon,
        by_geo=alloc.by_geo,
        p_beats_current=p_beats,
        success=sol.success,
        message=sol.message,
        seconds=seconds,
        info={
            "ci_prob": prob,
            "draws": alloc.resp.n_draws,
            "variables": len(alloc.channels),
            "geos": len(alloc.geos),
            "units": alloc.fit.data.target_name,
        },
        draws={"current": y_cur, "recommended": y_rec},
        weekly=weekly,
    )


# ---- command-line bounds ----------------------------------------------------------------
def parse_geo_bound(text: str, geos, channels, current: np.ndarray) -> dict[str, tuple]:
    """``'GEO/CHANNEL=LO:HI'`` (one cell) or ``'CHANNEL=LO:HI'`` (each geo's cell of the
    channel): totals over the horizon or percent changes from each cell's current spend
    (``current`` ``(geo, channel)``) -> ``{cell: (lo, hi)}``."""
    name, sep, spec = text.rpartition("=")
    lo_text, colon, hi_text = spec.partition(":")
    if not sep or not colon or not name.strip():
        raise ValueError(
            f"--bound {text!r}: write GEO{SEP}CHANNEL=LO:HI or CHANNEL=LO:HI, e.g. "
            f"Geo3{SEP}tv=1000:5000 or tv=-30%:+30%"
        )
    out = {}
    for cell in _cell_key(name.strip(), list(geos), list(channels)):
        geo, _, channel = cell.rpartition(SEP)
        cur = current[list(geos).index(geo), list(channels).index(channel)]

        def value(s: str, cur=cur) -> float | None:
            s = s.strip()
            if not s:
                return None
            try:
                return cur * (1 + float(s[:-1]) / 100) if s.endswith("%") else float(s)
            except ValueError:
                msg = f"--bound {text!r}: {s!r} is not a number or a percentage"
                raise ValueError(msg) from None

        out[cell] = (value(lo_text), value(hi_text))
    return out


def read_bounds_file(path: str | Path, geos, channels, current: np.ndarray) -> dict[str, tuple]:
    """A bounds CSV with columns ``geo, channel, lower, upper`` (totals over the horizon or
    percent changes such as ``-30%``; empty: no bound; an empty geo: every geo)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"bounds file '{path}' does not exist")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("geo", "channel", "lower", "upper") if c not in frame.columns]
    if missing:
        raise ValueError(f"bounds file '{path}' lacks columns {missing} (geo,channel,lower,upper)")
    out, problems = {}, []
    for i, r in frame.iterrows():
        name = f"{r.geo.strip()}{SEP}{r.channel.strip()}" if r.geo.strip() else r.channel.strip()
        try:
            out.update(parse_geo_bound(f"{name}={r.lower}:{r.upper}", geos, channels, current))
        except ValueError as err:
            problems.append(f"line {i + 2}: {err}")
    if problems:
        raise ValueError(f"bounds file '{path}': " + "; ".join(problems))
    return out


# ---- scenarios --------------------------------------------------------------------------
def geo_scenario(
    fit: MMMFit,
    horizon: int,
    scale: Mapping | None = None,
    ci_prob: float | None = None,
) -> pd.DataFrame:
    """The current plan with some spend multiplied, on a geo fit: ``scale`` names channels
    (every geo's cell, so the national split is kept) or cells ``"GEO/CHANNEL"``, e.g.
    ``{"tv": 1.2, "Geo3/search": 0.5}``. Flat weekly spend over ``horizon`` periods,
    carryover in and out included (as the optimizer's incremental outcome).

    Rows and columns of :func:`~bayes_mmm.budget.geo_scenario.scenario_table`: ``geo``
    (``national`` first), ``channel`` (each paid channel, then ``total``),
    ``current_spend``, ``spend``, ``incremental_mean/lower/upper`` (versus no spend in the
    horizon) and ``vs_current_mean/lower/upper``, ``prob_positive`` (that it beats the
    current plan).
    """
    h = check_horizon(horizon)
    cur, new = geo_current(fit, h), scaled_cells(fit, h, scale)
    resp = geo_response(fit, h)
    y_cur, y_new = resp.incremental(cur.ravel()), resp.incremental(new.ravel())
    return scenario_table(fit, cur, new, y_cur, y_new, ci(ci_prob))


def scaled_cells(fit: MMMFit, horizon: int, scale: Mapping | None = None) -> np.ndarray:
    """``(geo, paid channel)`` the current plan's spend with the multipliers of ``scale``
    (keys: channels, every geo's cell; or ``"GEO/CHANNEL"`` cells)."""
    geos, paid = list(fit.data.geos), list(fit.data.paid_channels)
    mult = _per_cell(dict(scale or {}), geos, paid) or {}
    bad = {k: v for k, v in mult.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"multipliers must be finite and >= 0, got {bad}")
    cur = geo_current(fit, horizon)
    factor = np.array([float(mult.get(c, 1.0)) for c in cell_labels(geos, paid)])
    return cur * factor.reshape(cur.shape)


def allocator_for(fit: MMMFit, horizon: int, objective="mean", *, bounds=None, max_change=None,
                  response=None) -> Allocator:  # fmt: skip
    """The allocator of a decision on ``fit``: national channel totals, split over the geos
    as they spend now on a geo fit (:class:`GeoAllocator`); ``response`` replaces the one it
    builds (e.g. a subset of draws)."""
    if fit.data.n_geos < 2:
        return Allocator(fit, horizon, objective, bounds=bounds, max_change=max_change,
                         response=response)  # fmt: skip
    alloc = GeoAllocator(fit, horizon, objective, bounds=bounds, max_change=max_change)
    if response is not None:
        alloc._set_response(response)
    return alloc
