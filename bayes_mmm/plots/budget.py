"""Budget figures: allocation (current vs recommended), outcome distributions, frontier.

Each function returns a matplotlib Figure; nothing is shown or saved here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_mmm.analysis.summary import DEFAULT_CI_PROB, eti_bounds
from bayes_mmm.budget.allocation import Allocation
from bayes_mmm.plots.style import err
from bayes_mmm.plots.ticks import COMPACT, compact

CURRENT, RECOMMENDED, BAND = "#8c8c8c", "#1f6fb4", "#9ecae1"


def _weeks(alloc: Allocation) -> str:
    return f"{alloc.horizon} week{'s' if alloc.horizon != 1 else ''}"


def allocation(alloc: Allocation) -> Figure:
    """Horizontal bars: current and recommended spend per channel over the horizon, with the
    change in percent and the allowed range (bounds) where finite."""
    t = alloc.national().iloc[::-1]
    n = len(t)
    fig = Figure(figsize=(8, 1.2 + 0.55 * n), layout="constrained")
    ax = fig.subplots()
    y = np.arange(n)
    ax.barh(y + 0.2, t.current_spend, 0.4, color=CURRENT, label="current plan")
    ax.barh(y - 0.2, t.recommended_spend, 0.4, color=RECOMMENDED, label="recommended")
    finite = np.isfinite(t.upper_bound.to_numpy())
    fixed = (t.at_bound == "fixed").to_numpy()
    has_bounds = ~fixed & (finite | (t.lower_bound.to_numpy() > 0))
    if has_bounds.any():
        lo = t.lower_bound.to_numpy()[has_bounds]
        hi = np.where(finite, t.upper_bound, np.nan)[has_bounds]
        ax.hlines(
            y[has_bounds] - 0.2, lo, hi, color="black", lw=1.2, label="allowed range (bounds)"
        )
        ax.plot(lo, y[has_bounds] - 0.2, "|", color="black", ms=9)
        ax.plot(hi, y[has_bounds] - 0.2, "|", color="black", ms=9)
    xmax = max(t.current_spend.max(), t.recommended_spend.max(), 1e-12)
    for yi, (cur, rec, pct, where) in enumerate(
        zip(t.current_spend, t.recommended_spend, t.change_pct, t.at_bound, strict=True)
    ):
        text = "new" if cur == 0 and rec > 0 else ("" if np.isnan(pct) else f"{pct:+.0f}%")
        text = "fixed" if where == "fixed" else text
        ax.text(rec + 0.01 * xmax, yi - 0.2, text, va="center", fontsize=9)
    ax.set_yticks(y, t.channel)
    ax.set_xlim(0, 1.15 * xmax)
    ax.xaxis.set_major_formatter(COMPACT)
    ax.set_xlabel(f"spend over the next {_weeks(alloc)} (total {compact(alloc.budget)})")
    where = " (national totals)" if getattr(alloc, "by_geo", None) is not None else ""
    ax.set_title(f"Budget allocation{where}: maximising {alloc.objective.label}")
    fig.legend(loc="outside lower center", ncols=3, fontsize=9, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _hist(ax, x: np.ndarray, color: str, label: str, bins: np.ndarray) -> None:
    ax.hist(x, bins=bins, color=color, alpha=0.55, label=label)
    ax.axvline(x.mean(), color=color, lw=2)


def outcome_distributions(alloc: Allocation) -> Figure:
    """Posterior of the incremental outcome of the current and recommended plans, and of
    their paired difference with P(recommended beats current)."""
    ci = alloc.outcome.attrs.get("ci_prob", DEFAULT_CI_PROB)
    units = alloc.info.get("units", "outcome")
    y = alloc.outcome_draws()
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    both = np.concatenate(list(y.values()))
    bins = np.linspace(both.min(), both.max(), 50)
    _hist(left, y["current"], CURRENT, "current plan", bins)
    _hist(left, y["recommended"], RECOMMENDED, "recommended", bins)
    left.set_xlabel(f"incremental {units} over {_weeks(alloc)} + carryover (vs no media)")
    left.set_ylabel("posterior draws")
    left.set_title("Outcome of each plan (lines: means)")
    left.xaxis.set_major_formatter(COMPACT)
    left.legend(fontsize=9)
    diff = y["recommended"] - y["current"]
    lo, hi = eti_bounds(diff, ci)
    right.hist(diff, bins=50, color=RECOMMENDED, alpha=0.7)
    right.axvline(0, color="black", lw=1)
    right.axvspan(lo, hi, color=BAND, alpha=0.3, label=f"{ci:.0%} interval")
    right.set_xlabel(f"recommended - current ({units})")
    right.set_title(f"Gain: P(recommended beats current) = {alloc.p_beats_current:.2f}")
    right.xaxis.set_major_formatter(COMPACT)
    right.legend(fontsize=9)
    fig.suptitle(f"Posterior outcome, budget {compact(alloc.budget)} over {_weeks(alloc)}")
    return fig


def frontier(
    table: pd.DataFrame,
    alloc: Allocation | None = None,
    value: float | None = None,
    units: str = "outcome",
) -> Figure:
    """Optimal incremental outcome against total budget with its credible band (top) and
    ROI / marginal ROI (bottom); marks the current and recommended plans and, with
    ``value`` (per unit of outcome), the budget of highest expected profit."""
    ci = table.attrs.get("ci_prob", DEFAULT_CI_PROB)
    b = table.budget.to_numpy()
    fig = Figure(figsize=(8, 7), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    top.fill_between(
        b,
        table.incremental_lower,
        table.incremental_upper,
        color=BAND,
        alpha=0.5,
        label=f"{ci:.0%} interval",
    )
    top.plot(b, table.incremental_mean, color=RECOMMENDED, lw=2, label="best plan (mean)")
    if alloc is not None:
        _mark_plans(top, alloc, b)
    if value is not None:
        _mark_best_profit(top, bottom, table, value)
    top.set_ylabel(f"incremental {units}")
    goal = table.attrs.get("objective", "expected incremental outcome")
    top.set_title(f"Efficient frontier: for each budget, the plan maximising\n{goal}")
    top.legend(fontsize=9, loc="lower right")
    top.yaxis.set_major_formatter(COMPACT)
    top.grid(alpha=0.3)
    _roi_panel(bottom, table, value)
    return fig


def _mark_plans(ax: Axes, alloc: Allocation, b: np.ndarray) -> None:
    """The current and recommended plans with their credible intervals."""
    shift = 0.006 * (b.max() - b.min())  # the two plans share a budget: keep both visible
    for name, color, marker, dx in (
        ("current", CURRENT, "o", -shift),
        ("recommended", "black", "*", shift),
    ):
        row = alloc.outcome.set_index("plan").loc[name]
        ax.errorbar(
            row.total_spend + dx,
            row.incremental_mean,
            yerr=err([row.incremental_mean], [row.incremental_lower], [row.incremental_upper]),
            fmt=marker,
            color=color,
            ms=10 if marker == "*" else 7,
            capsize=3,
            label=f"{name} plan",
        )


def _mark_best_profit(top: Axes, bottom: Axes, table: pd.DataFrame, value: float) -> None:
    """A line at the budget of highest expected profit (``value`` per unit), labelled on top."""
    b = table.budget.to_numpy()
    profit = value * table.incremental_mean - b
    i = int(np.argmax(profit))
    for ax in (top, bottom):
        ax.axvline(b[i], color="tab:green", ls="--", lw=1)
    edge = " or more\n(edge of the range shown)" if i == len(b) - 1 else ""
    right = i > len(b) / 2
    top.annotate(
        f"highest expected profit at {value:g}\nper unit: budget {compact(b[i])}{edge}",
        (b[i], table.incremental_mean.iloc[i]),
        textcoords="offset points",
        xytext=(-8 if right else 8, -45),
        ha="right" if right else "left",
        fontsize=9,
        color="tab:green",
        bbox={"boxstyle": "round", "fc": "white", "ec": "tab:green", "alpha": 0.9},
    )


def _roi_panel(ax: Axes, table: pd.DataFrame, value: float | None) -> None:
    """ROI with its band and marginal ROI against budget (break-even mROI with ``value``)."""
    b = table.budget.to_numpy()
    ax.fill_between(b, table.roi_lower, table.roi_upper, color=BAND, alpha=0.5)
    ax.plot(b, table.roi_mean, color=RECOMMENDED, lw=2, label="ROI (outcome / spend)")
    ax.plot(b, table.mroi, color="tab:orange", lw=2, ls="--", label="marginal ROI")
    if value is not None:
        ax.axhline(1 / value, color="tab:green", lw=1, ls=":", label="break-even mROI")
    ax.set_ylabel("per unit of spend")
    ax.set_xlabel("total budget over the horizon")
    ax.xaxis.set_major_formatter(COMPACT)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
