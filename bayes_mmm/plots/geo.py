"""Plots of geo fits: national fit and contributions, small multiples of the geos, and the
posterior predictive check (national distribution, p-values per geo)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bayes_mmm.analysis.geo import geo_contribution_summary, geo_roi_table
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.model import dims as D
from bayes_mmm.plots.style import (
    FIT_COLOR,
    OBS_COLOR,
    dates_axis,
    grid,
    outcome_over_time,
    panel_titles,
)

# p-values of the PPC grid: beyond [EXTREME, 1 - EXTREME] boxed, the far tails darker
EXTREME = 0.05
_P_BOUNDS = (0.0, 0.005, 0.025, EXTREME, 1 - EXTREME, 0.975, 0.995, 1.0)
_P_COLORS = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")


def plot_geo_fit(fit, ci_prob: float = 0.9, fitted=None, max_geos: int = 24) -> Figure:
    """Observed vs modeled mean outcome: the national total (first panel, larger), then one
    small panel per geo (the ``max_geos`` largest). ``fitted``: the modeled mean's summary
    from :func:`~bayes_mmm.analysis.geo.geo_contribution_summary` (computed if not given)."""
    fitted = geo_contribution_summary(fit, ci_prob)[1] if fitted is None else fitted
    data = fit.data
    order = np.argsort(-data.geo_target.sum(axis=1))[:max_geos]
    panels = [(NATIONAL, data.target)] + [(data.geos[i], data.geo_target[i]) for i in order]
    fig, axes = grid(len(panels), ncols=4)
    for ax, (geo, y) in zip(axes, panels, strict=True):
        cell = fitted.sel({D.GEO: geo})
        mean, lo, hi = cell["mean"].values, cell["lower"].values, cell["upper"].values
        ax.fill_between(data.dates, lo, hi, color=FIT_COLOR, alpha=0.3, lw=0)
        ax.plot(data.dates, mean, color=FIT_COLOR, lw=1)
        ax.plot(data.dates, y, color=OBS_COLOR, lw=0.7, alpha=0.8)
        ax.set_title(geo, fontsize=9, fontweight="bold" if geo == NATIONAL else None)
        outcome_over_time(ax, data.target_name)
        dates_axis(ax)
    fig.suptitle(f"{data.target_name}: observed (black) and modeled mean ({ci_prob:.0%} band)")
    return fig


def plot_geo_roi(fit, ci_prob: float = 0.9, table=None) -> Figure:
    """ROI per paid channel (organic media have none): national (black) and each geo
    (grey), with intervals."""
    table = geo_roi_table(fit, ci_prob) if table is None else table
    channels = list(fit.data.paid_channels)
    fig, axes = grid(len(channels), ncols=4, size=(3.6, 0.25 * fit.data.n_geos + 1.5))
    for ax, ch in zip(axes, channels, strict=True):
        rows = table[table[D.CHANNEL] == ch].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        colors = [OBS_COLOR if g == NATIONAL else "0.5" for g in rows[D.GEO]]
        lower = (rows.roi_mean - rows.roi_lower).clip(lower=0)
        upper = (rows.roi_upper - rows.roi_mean).clip(lower=0)
        ax.errorbar(rows.roi_mean, y, xerr=[lower, upper], fmt="none", ecolor=colors, lw=1)
        ax.scatter(rows.roi_mean, y, c=colors, s=12, zorder=3)
        ax.set_yticks(y, rows[D.GEO], fontsize=7)
        ax.grid(alpha=0.3, axis="x")
    panel_titles(axes, channels, 3.6, size=9)
    fig.suptitle(f"ROI by geo ({ci_prob:.0%} intervals; national in black)")
    return fig


def plot_geo_response_curves(fit, ci_prob: float = 0.9, curves=None) -> Figure:
    """Response curves per channel: the national curve (every geo's spend scaled together;
    mean and ``ci_prob`` band) and each geo's mean curve (thin grey lines), against the
    spend multiple, each relative to its own weekly contribution at current spend (1 = now),
    so the geos' shapes compare whatever their size. ``curves``: from
    :func:`~bayes_mmm.analysis.geo_curves.geo_response_curves` (computed if not given)."""
    from bayes_mmm.analysis.geo_curves import geo_response_curves

    curves = geo_response_curves(fit, ci_prob=ci_prob) if curves is None else curves
    x = curves[D.SPEND_MULTIPLE].values
    now = curves["mean"].sel({D.SPEND_MULTIPLE: 1.0}, method="nearest")
    rel = curves[["mean", "lower", "upper"]] / now.where(now != 0)
    channels = list(fit.data.channels)
    fig, axes = grid(len(channels), ncols=4)
    for ax, ch in zip(axes, channels, strict=True):
        cell = rel.sel({D.CHANNEL: ch})
        nat = cell.sel({D.GEO: NATIONAL})
        ax.fill_between(x, nat["lower"], nat["upper"], color=FIT_COLOR, alpha=0.25, lw=0)
        for geo in cell[D.GEO].values:
            if geo != NATIONAL:
                ax.plot(x, cell["mean"].sel({D.GEO: geo}), color="0.4", lw=0.5, alpha=0.7)
        ax.plot(x, nat["mean"], color=FIT_COLOR, lw=1.6)
        ax.axvline(1.0, color=OBS_COLOR, lw=0.6, ls=":")
        ax.set_xlabel("spend / current weekly spend")
        ax.set_ylabel("contribution / current")
        ax.grid(alpha=0.3)
    panel_titles(axes, channels, 3.6, size=9)
    fig.suptitle(f"Response curves: national (blue, {ci_prob:.0%} band) and each geo (grey)")
    return fig


def plot_geo_contributions(fit, ci_prob: float = 0.9, geo: str = NATIONAL, summaries=None,
                           shares=None) -> Figure:  # fmt: skip
    """Contributions over time, stacked (base, then each channel) with the observed outcome,
    and each channel's share of the modeled outcome: nationally (the sum over geos) or for
    one ``geo``. ``summaries`` (:func:`~bayes_mmm.analysis.geo.geo_summaries`) and
    ``shares`` (:func:`~bayes_mmm.analysis.geo.geo_share_draws`) are computed if not given."""
    from bayes_mmm.analysis.geo import geo_share_draws, geo_summaries, require_geo
    from bayes_mmm.plots.analysis import draw_contributions

    data = fit.data
    if geo != NATIONAL:
        require_geo(data.geos, geo)
    summaries = geo_summaries(fit, ci_prob) if summaries is None else summaries
    shares = geo_share_draws(fit, summaries) if shares is None else shares
    target = data.target if geo == NATIONAL else data.geo_target[list(data.geos).index(geo)]
    mean = summaries.components["mean"].sel({D.GEO: geo})
    fig = draw_contributions(data, target, mean, shares.sel({D.GEO: geo}), ci_prob)
    if geo != NATIONAL:
        fig.suptitle(f"Geo {geo}")
    return fig


def plot_geo_ppc(fit, ci_prob: float = 0.9, ppc=None, replicates=None,
                 max_geos: int = 24) -> Figure:  # fmt: skip
    """Posterior predictive check of a geo fit: the national outcome's distribution (the sum
    over the geos) against replicated national data sets, as :func:`~bayes_mmm.plots.plot_ppc`
    draws a national fit's; beside it, the p-value of each test statistic per geo (national
    first, then the ``max_geos`` largest geos), those beyond [0.05, 0.95] boxed. ``ppc`` and
    ``replicates``: :class:`~bayes_mmm.analysis.geo_overview.GeoAnalysis`'s ``ppc`` and
    ``national_replicates`` (computed, in one pass over the geos, if not given)."""
    from bayes_mmm.plots.analysis import ppc_distribution

    if ppc is None or replicates is None:
        from bayes_mmm.analysis.geo_overview import GeoAnalysis

        a = GeoAnalysis(fit, ci_prob)
        ppc, replicates = a.ppc, a.national_replicates
    data = fit.data
    order = np.argsort(-data.geo_target.sum(axis=1), kind="stable")[:max_geos]
    rows = [NATIONAL, *(data.geos[i] for i in order)]
    fig = Figure(figsize=(13, max(4.8, 2.4 + 0.24 * len(rows))), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.3, 1])
    ppc_distribution(ax, data.geo_target.sum(axis=0), replicates, ci_prob, data.target_name)
    ax.set_title(f"National {data.target_name} (the sum over the geos): actual vs replicated")
    _p_value_grid(ax2, ppc, rows, data.n_geos)
    return fig


def _p_value_grid(ax, ppc, rows: list[str], n_geos: int) -> None:
    """Posterior predictive p-values ``(rows, statistic)`` as a grid of cells, each with its
    value; extreme ones (beyond [EXTREME, 1 - EXTREME]) boxed and bold."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Rectangle

    stats = list(dict.fromkeys(ppc["statistic"]))
    p = ppc.pivot(index=D.GEO, columns="statistic", values="p_value").loc[rows, stats]
    values = p.to_numpy(float)
    norm = BoundaryNorm(_P_BOUNDS, len(_P_COLORS))
    image = ax.imshow(values, cmap=ListedColormap(_P_COLORS), norm=norm, aspect="auto")
    extreme = (values < EXTREME) | (values > 1 - EXTREME)
    size = 8 if len(rows) <= 12 else 7
    for (i, j), v in np.ndenumerate(values):
        text = f"{v:.3f}" if extreme[i, j] else f"{v:.2f}"  # 0.952, not 0.95
        ax.text(j, i, text, ha="center", va="center", fontsize=size,
                fontweight="bold" if extreme[i, j] else "normal",
                color="white" if v < 0.005 or v > 0.995 else "black")  # fmt: skip
        if extreme[i, j]:
            box = Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1.6)
            ax.add_patch(box).set_clip_on(False)
    ax.set_xticks(range(len(stats)), stats, fontsize="small")
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), rows, fontsize=size + 1)
    ax.get_yticklabels()[0].set_fontweight("bold")  # the national row
    ax.axhline(0.5, color="white", lw=3)
    ax.tick_params(length=0)
    bar = ax.figure.colorbar(image, ax=ax, location="bottom", shrink=0.9, pad=0.02,
                             spacing="uniform", ticks=_P_BOUNDS)  # fmt: skip
    bar.ax.set_xticklabels([f"{b:g}" for b in _P_BOUNDS], fontsize="x-small")
    bar.set_label("p = P(replicated statistic ≥ actual)\nnear 0: actual too high; near 1: too low",
                  fontsize="small")  # fmt: skip
    geos = ppc[ppc[D.GEO] != NATIONAL]["p_value"]
    n_out = int(((geos < EXTREME) | (geos > 1 - EXTREME)).sum())
    n_shown = len(rows) - 1
    shown = "every geo" if n_shown == n_geos else f"the {n_shown} largest of {n_geos} geos"
    ax.set_title(f"Test statistics: national and {shown}\nboxed: p < {EXTREME:g} or > "
                 f"{1 - EXTREME:g}, {n_out} of {len(geos)} geo cells (~{2 * EXTREME:.0%} "
                 "by chance)", fontsize="medium")  # fmt: skip
