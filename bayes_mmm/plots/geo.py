"""Plots of geo fits: national fit and contributions, and small multiples of the geos."""

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
