"""Figures of the post-fit analysis: one function per figure, each returns a matplotlib Figure.

Every function takes a fitted model or an :class:`~bayes_mmm.analysis.overview.Analysis`
(pass the latter to draw several figures from one set of computed draws). Bands are
equal-tailed credible intervals with the analysis's ``ci_prob`` (default 90%). Figures are
made without pyplot, so nothing is opened on screen and nothing leaks between calls.
This module: fit, holdout, posterior predictive check, contributions, ROI;
:mod:`bayes_mmm.plots.curves`: response curves, adstock, prior vs posterior.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bayes_mmm.analysis.checks import Holdout
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.summary import eti_bounds
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D
from bayes_mmm.plots.curves import plot_adstock, plot_prior_posterior, plot_response_curves
from bayes_mmm.plots.lift import plot_lift_tests
from bayes_mmm.plots.style import (
    BASE_COLOR,
    FIT_COLOR,
    NUMBER,
    OBS_COLOR,
    as_analysis,
    band,
    channel_colors,
    dates_axis,
    err,
    geo_figure,
    legend_columns,
    outcome_over_time,
    pct,
)
from bayes_mmm.plots.ticks import COMPACT


# ---- fit -------------------------------------------------------------------------------------
def _mean_and_predictive(ax, dates, mu, rep, ci_prob: float, color, label: str) -> None:
    """Predictive band (with noise), the credible band of the mean and the mean line."""
    mean, lo, hi = band(mu, ci_prob)
    _, plo, phi = band(rep, ci_prob)
    ax.fill_between(
        dates,
        plo,
        phi,
        color=color,
        alpha=0.15,
        lw=0,
        label=f"{ci_prob:.0%} predictive interval (with noise)",
    )
    ax.fill_between(
        dates, lo, hi, color=color, alpha=0.4, lw=0, label=f"{ci_prob:.0%} interval of the mean"
    )
    ax.plot(dates, mean, color=color, lw=1.6, label=label)


def plot_fit(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """Observed outcome against the posterior mean prediction, with the credible band of the
    mean and the (wider) posterior predictive band; R², MAPE and coverage in the title."""
    if (geo := geo_figure(result, ci_prob, "plot_geo_fit")) is not None:
        return geo
    a = as_analysis(result, ci_prob)
    data, q = a.fit.data, a.fit_quality
    dates = data.dates
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax = fig.subplots()
    _mean_and_predictive(
        ax, dates, a.prediction, a.predictive, a.ci_prob, FIT_COLOR, "predicted (posterior mean)"
    )
    ax.plot(dates, data.target, color=OBS_COLOR, lw=0.9, marker="o", ms=2.5, label="actual")
    ax.set_title(
        f"Actual vs predicted {data.target_name}: R² {q['r2']:.2f}, MAPE {q['mape']:.1%}, "
        f"{q['coverage']:.0%} of periods inside the {pct(a)} predictive interval"
    )
    outcome_over_time(ax, data.target_name)
    ax.legend(loc="upper left", ncols=2, fontsize="small", frameon=False)
    return fig


def plot_holdout(
    holdout: Holdout, ci_prob: float | None = None, context: int | None = None
) -> Figure:
    """The holdout model's forecast of the held-out weeks (adstock carried across the cut)
    after its fit of the last ``context`` training weeks (default: max(52, 3 x held out)),
    against the observed outcome; bands of the mean and of the predictive distribution. A
    geo fit's holdout: :func:`~bayes_mmm.plots.geo_holdout.plot_geo_holdout`."""
    if not isinstance(holdout, Holdout):
        from bayes_mmm.plots.geo_holdout import plot_geo_holdout

        return plot_geo_holdout(holdout, context)
    train, test = holdout.train_fit.data, holdout.test
    a = Analysis(holdout.train_fit, ci_prob)
    ci_prob = a.ci_prob
    context = min(train.n_dates, context or max(52, 3 * test.n_dates))
    shown = slice(train.n_dates - context, None)
    m = holdout.metrics
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax = fig.subplots()
    for dates, mu, rep, color, label in (
        (
            train.dates[shown],
            a.prediction.isel({D.DATE: shown}),
            a.predictive.isel({D.DATE: shown}),
            FIT_COLOR,
            "fit (training weeks)",
        ),
        (test.dates, holdout.mu, holdout.y_rep, "C3", "forecast (held-out weeks)"),
    ):
        _mean_and_predictive(ax, dates, mu, rep, ci_prob, color, label)
    dates = train.dates[shown].append(test.dates)
    actual = np.concatenate([train.target[shown], test.target])
    ax.plot(dates, actual, color=OBS_COLOR, lw=0.9, marker="o", ms=2.5, label="actual")
    cut = train.dates[-1] + (test.dates[0] - train.dates[-1]) / 2
    ax.axvline(cut, color="0.3", ls="--", lw=1)
    ax.annotate(
        " held out",
        (cut, 1.0),
        xycoords=("data", "axes fraction"),
        va="top",
        fontsize="small",
        color="0.3",
    )
    ax.set_title(
        f"Out-of-time holdout: last {m['weeks']} periods forecast from the first "
        f"{m['train_weeks']}: R² {m['r2']:.2f}, MAPE {m['mape']:.1%}, {m['coverage']:.0%} "
        f"inside the {ci_prob:.0%} predictive interval"
    )
    outcome_over_time(ax, train.target_name)
    fig.legend(loc="outside lower center", ncols=4, fontsize="small", frameon=False)
    return fig


def plot_ppc(
    result: MMMFit | Analysis, ci_prob: float | None = None, n_replicates: int = 500
) -> Figure:
    """Posterior predictive check: histogram of the observed outcome over replicated data
    sets, and the observed statistics against their replicated distributions. A geo fit (or
    :class:`~bayes_mmm.analysis.geo_overview.GeoAnalysis`) gets
    :func:`~bayes_mmm.plots.geo.plot_geo_ppc` (the national distribution and the p-values
    per geo; ``n_replicates`` is then its own)."""
    if (geo := geo_figure(result, ci_prob, "plot_geo_ppc")) is not None:
        return geo
    a = as_analysis(result, ci_prob)
    fig = Figure(figsize=(12, 4.4), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.4, 1])
    y = a.fit.data.target
    rep = a.predictive.transpose(*D.SAMPLE_DIMS, D.DATE).values.reshape(-1, len(y))
    rep = rep[np.linspace(0, len(rep) - 1, min(n_replicates, len(rep))).astype(int)]
    ppc_distribution(ax, y, rep, a.ci_prob, a.fit.data.target_name)
    _ppc_statistics(ax2, a)
    return fig


def ppc_distribution(ax, y: np.ndarray, rep: np.ndarray, ci_prob: float, target_name: str) -> None:
    """The observed outcome ``y`` (T,)'s histogram inside the band of the histograms of the
    replicated data sets ``rep`` (S, T) (a geo fit's national panel passes national sums)."""
    bins = np.histogram_bin_edges(np.concatenate([y, rep.ravel()]), bins=25)
    width = np.diff(bins)
    idx = np.clip(np.searchsorted(bins, rep, side="right") - 1, 0, len(width) - 1)
    counts = np.stack([np.bincount(row, minlength=len(width)) for row in idx])
    density = counts / (len(y) * width)
    lo, hi = eti_bounds(density, ci_prob)
    edges = np.repeat(bins, 2)[1:-1]
    ax.fill_between(edges, np.repeat(lo, 2), np.repeat(hi, 2), color=FIT_COLOR, alpha=0.3,
                    lw=0, label=f"replicated data, {ci_prob:.0%} band per bin")  # fmt: skip
    ax.stairs(density.mean(axis=0), bins, color=FIT_COLOR, lw=1.2, label="replicated, mean")
    ax.stairs(
        np.histogram(y, bins=bins, density=True)[0], bins, color=OBS_COLOR, lw=2, label="actual"
    )
    ax.set_xlabel(f"{target_name} per period")
    ax.set_ylabel("density")
    ax.xaxis.set_major_formatter(COMPACT)
    ax.set_yticks([])
    ax.legend(frameon=False, fontsize="small", loc="upper right")
    ax.set_title("Distribution of the outcome: actual vs data replicated from the posterior")


def _ppc_statistics(ax2, a: Analysis) -> None:
    """Each test statistic: observed against its replicated interval, with its p-value."""
    table = a.ppc
    ypos = np.arange(len(table))[::-1]
    lo, hi, obs = table["replicated_lower"], table["replicated_upper"], table["observed"]
    centre = table["replicated_mean"].to_numpy()
    scale = np.where(hi - lo > 0, (hi - lo).to_numpy(), 1.0)
    ax2.hlines(ypos, (lo - centre) / scale, (hi - centre) / scale, color=FIT_COLOR, lw=5,
               alpha=0.5, label=f"replicated, {pct(a)} interval")  # fmt: skip
    ax2.plot((obs - centre) / scale, ypos, "o", color=OBS_COLOR, label="actual")
    labels = [
        f"{s}\np = {p:.2f}" for s, p in zip(table["statistic"], table["p_value"], strict=True)
    ]
    ax2.set_yticks(ypos, labels, fontsize="small")
    ax2.axvline(0, color="0.5", lw=0.8)
    ax2.set_xlabel("statistic, centred on the replicated mean (units: interval width)")
    ax2.set_title("Test statistics (p near 0 or 1: not reproduced)")
    ax2.legend(
        frameon=False, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2
    )


# ---- contributions -----------------------------------------------------------------------
def _base_label(others: list[str], controls) -> str:
    """Legend label of the non-media layer; with many controls they are counted, not named
    (a long label would push the legend, and the figure, out of shape)."""
    label = f"base ({' + '.join(others)})"
    if len(label) <= 60:
        return label
    named = [c for c in others if c not in set(controls)]
    n = len(others) - len(named)
    return f"base ({' + '.join([*named, f'{n} control' + 's' * (n != 1)])})"


def plot_contributions(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """Stacked posterior-mean contributions over time (non-media components together as the
    base, channels on top) with the observed outcome; beside it, each channel's share of
    the modeled outcome over the window with its credible interval."""
    if (geo := geo_figure(result, ci_prob, "plot_geo_contributions")) is not None:
        return geo
    a = as_analysis(result, ci_prob)
    mean = a.contributions.mean(D.SAMPLE_DIMS)
    return draw_contributions(a.fit.data, a.fit.data.target, mean, a.shares, a.ci_prob)


def draw_contributions(data, target, mean, shares, ci_prob: float) -> Figure:
    """The contributions figure from its summaries: ``mean`` ``(date, component)`` posterior
    means, ``shares`` draws with ``share_of_total`` ``(chain, draw, component)``, ``target``
    the observed outcome (a geo fit's national figure passes its national rows)."""
    channels = list(data.channels)
    colors = channel_colors(channels)
    others = [c for c in mean[D.COMPONENT].values if c not in channels]
    base = mean.sel({D.COMPONENT: others}).sum(D.COMPONENT).values
    layers = [mean.sel({D.COMPONENT: c}).values for c in channels]
    labels = [_base_label(others, data.control_names), *channels, "actual"]
    fig = Figure(figsize=(13, max(5.2, 2.2 + 0.3 * len(channels))), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3.2, 1])
    palette = [BASE_COLOR, *[colors[c] for c in channels]]
    ax.stackplot(data.dates, base, *layers, colors=palette, labels=labels[:-1], alpha=0.85, lw=0)
    ax.plot(data.dates, target, color=OBS_COLOR, lw=0.9, label="actual")
    ax.set_title(f"Contributions to {data.target_name} over time (posterior means)")
    ax.set_ylabel(f"{data.target_name} per period")
    ax.yaxis.set_major_formatter(NUMBER)
    ax.set_ylim(bottom=min(0.0, float(base.min())))
    dates_axis(ax)
    ncols = legend_columns(labels, 13)
    fig.legend(loc="outside lower center", ncols=ncols, fontsize="small", frameon=False)
    share = shares["share_of_total"].sel({D.COMPONENT: channels})
    m, lo, hi = band(share, ci_prob)
    ypos = np.arange(len(channels))[::-1]
    ax2.barh(ypos, m, color=[colors[c] for c in channels], alpha=0.85)
    ax2.errorbar(m, ypos, xerr=err(m, lo, hi), fmt="none", ecolor="black", capsize=3, lw=1)
    ax2.set_yticks(ypos, channels)
    ax2.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax2.set_xlabel(f"share of modeled {data.target_name}")
    tm, tlo, thi = band(share.sum(D.COMPONENT), ci_prob)
    ax2.set_title(
        f"Media share {tm:.0%} ({tlo:.0%}–{thi:.0%})\nbars: mean, {ci_prob:.0%} interval",
        fontsize="medium",
    )
    ax2.grid(axis="x", alpha=0.3)
    return fig


# ---- ROI -------------------------------------------------------------------------------------
def plot_roi(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """ROI (average return over the window) and marginal ROI (return of the next unit of
    spend per week at current spend) per channel, posterior means with credible intervals.
    Organic channels (no spend) have no ROI and are left out."""
    if (geo := geo_figure(result, ci_prob, "plot_geo_roi")) is not None:
        return geo
    a = as_analysis(result, ci_prob)
    data = a.fit.data
    channels = list(data.paid_channels)
    fig = Figure(figsize=(9, 1.4 + 0.6 * len(channels)), layout="constrained")
    ax = fig.subplots()
    ypos = np.arange(len(channels))[::-1].astype(float)
    for draws, label, marker, color, offset in (
        (a.roi, "ROI (average)", "o", "C0", 0.17),
        (a.mroi, "marginal ROI (next unit of spend)", "D", "C1", -0.17),
    ):
        m, lo, hi = band(draws.sel({D.CHANNEL: channels}), a.ci_prob)
        ax.errorbar(
            m,
            ypos + offset,
            xerr=err(m, lo, hi),
            fmt=marker,
            color=color,
            capsize=3,
            ms=6,
            lw=1.5,
            label=label,
        )
        for x, y in zip(m, ypos + offset, strict=True):
            ax.annotate(
                f"{x:.2f}",
                (x, y),
                textcoords="offset points",
                ha="center",
                xytext=(0, 6 if offset > 0 else -6),
                va="bottom" if offset > 0 else "top",
                fontsize="x-small",
                color=color,
            )
    ax.axvline(1.0, color="0.4", ls="--", lw=1, label="1 (break-even if outcome is revenue)")
    ax.set_yticks(ypos, channels)
    ax.set_ylim(-0.7, len(channels) - 0.3)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"{data.target_name} per unit of spend")
    ax.set_title(f"Return on spend per channel: posterior mean and {pct(a)} interval")
    fig.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


PLOTS = {
    "fit": plot_fit,
    "ppc": plot_ppc,
    "contributions": plot_contributions,
    "roi": plot_roi,
    "response_curves": plot_response_curves,
    "adstock": plot_adstock,
    "prior_posterior": plot_prior_posterior,
}


def figure_makers(analysis: Analysis) -> dict[str, Callable[[], Figure]]:
    """A function drawing each figure of ``analysis``, by file stem (``holdout`` and
    ``lift_tests`` too when it has them)."""
    makers = {name: partial(fn, analysis) for name, fn in PLOTS.items()}
    if analysis.holdout is not None:
        makers["holdout"] = partial(plot_holdout, analysis.holdout, analysis.ci_prob)
    if analysis.fit.data.lift_tests:
        makers["lift_tests"] = partial(plot_lift_tests, analysis)
    return makers


def all_figures(analysis: Analysis) -> dict[str, Figure]:
    """Every figure of ``analysis`` by file stem (``holdout`` and ``lift_tests`` too when it
    has them)."""
    return {name: make() for name, make in figure_makers(analysis).items()}
