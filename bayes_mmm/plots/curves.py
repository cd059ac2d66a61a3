"""Figures of the fitted curves and parameters: response curves, adstock weights, prior vs
posterior. Same conventions as :mod:`bayes_mmm.plots.analysis`."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bayes_mmm.analysis.curves import WEEKLY_SPEND
from bayes_mmm.analysis.learning import WEAK_CONTRACTION, prior_posterior
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.scope import is_geo
from bayes_mmm.analysis.summary import ci
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D
from bayes_mmm.plots.style import (
    NUMBER,
    as_analysis,
    band,
    channel_colors,
    err,
    geo_figure,
    grid,
    panel_titles,
    pct,
)
from bayes_mmm.plots.ticks import COMPACT


def plot_response_curves(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """Per channel: steady-state weekly contribution against constant weekly spend (0 to 3x
    the current mean), posterior mean and band, with the current spend marked."""
    if (geo := geo_figure(result, ci_prob, "plot_geo_response_curves")) is not None:
        return geo
    a = as_analysis(result, ci_prob)
    data = a.fit.data
    channels = list(data.channels)
    colors = channel_colors(channels)
    curves, now = a.response_curves, a.current_response
    fig, axes = grid(len(channels))
    for ax, ch in zip(axes, channels, strict=True):
        c = curves.sel({D.CHANNEL: ch})
        x = c[WEEKLY_SPEND].values
        m, lo, hi = band(c, a.ci_prob)
        ax.fill_between(x, lo, hi, color=colors[ch], alpha=0.25, lw=0)
        ax.plot(x, m, color=colors[ch], lw=2)
        spend = float(a.fit.scales.spend_mean[channels.index(ch)])
        nm, nlo, nhi = band(now.sel({D.CHANNEL: ch}), a.ci_prob)
        ax.axvline(spend, color="0.3", ls=":", lw=1)
        ax.errorbar(
            [spend],
            [nm],
            yerr=err([nm], [nlo], [nhi]),
            fmt="o",
            color="black",
            ms=5,
            capsize=3,
            label=f"current mean {_unit(ch, data)} ({spend:,.0f}/period)",
        )
        ax.set_xlim(0, x[-1])
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_formatter(COMPACT)
        ax.yaxis.set_major_formatter(NUMBER)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize="x-small", framealpha=0.8, edgecolor="none")
    organic = " (organic channels: exposure)" if data.organic else ""
    panel_titles(axes, channels, 3.6)
    fig.supxlabel(f"constant spend per period{organic}")
    fig.supylabel(f"{data.target_name} per period (steady state)")
    fig.suptitle(f"Response curves: steady-state contribution vs spend, mean and {pct(a)} band")
    return fig


def _unit(channel: str, data) -> str:
    """What a channel's curve is drawn against: spend, or exposure for organic media."""
    return "exposure" if channel in data.organic else "spend"


def plot_adstock(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """Per channel: the share of a period's spend effect felt ``lag`` periods later
    (adstock weights), posterior mean with credible band."""
    a = as_analysis(result, ci_prob)
    channels = list(a.fit.data.channels)
    colors = channel_colors(channels)
    fig, axes = grid(len(channels), size=(3.2, 2.5))
    for ax, ch in zip(axes, channels, strict=True):
        w = a.adstock.sel({D.CHANNEL: ch})
        lags = w[D.LAG].values
        m, lo, hi = band(w, a.ci_prob)
        ax.bar(lags, m, color=colors[ch], alpha=0.7, width=0.7)
        ax.errorbar(lags, m, yerr=err(m, lo, hi), fmt="none", ecolor="black", capsize=2, lw=1)
        ax.set_ylim(0, 1)
        ax.set_xticks(lags)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.grid(axis="y", alpha=0.3)
    period = "weeks" if a.fit.data.period_days == 7 else "periods"
    panel_titles(axes, channels, 3.2)
    fig.supxlabel(f"{period} after the spend (lag)")
    fig.supylabel("share of the effect")
    if a.fit.spec.adstock:
        fig.suptitle(f"Carryover (adstock weights): posterior mean and {pct(a)} interval")
    else:
        fig.suptitle("No carryover: this model was fitted without adstock (spec.adstock=False)")
    return fig


PARAM_LABELS = {
    D.ROI: "ROI (outcome per unit of spend)",
    D.DECAY: "decay (weekly carryover rate)",
    D.HALF_SAT: "half-saturation (x on-week mean spend)",
    D.SLOPE: "Hill slope",
}


def plot_prior_posterior(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """Per channel parameter: the prior's and the posterior's credible intervals side by
    side, with the share of the prior variance the data removed (``contraction``). Takes a
    geo fit too (its national channel parameters: shapes, ROI)."""
    if isinstance(result, MMMFit) and is_geo(result):  # no Analysis for geo fits
        prob = ci(ci_prob)
        table, fit = prior_posterior(result, prob), result
    else:
        a = as_analysis(result, ci_prob)
        table, fit, prob = a.prior_posterior, a.fit, a.ci_prob
    channels = list(fit.data.channels)
    params = [p for p in D.CHANNEL_PARAMS if p in set(table["parameter"])]
    fig = Figure(
        figsize=(3.6 * len(params) + 0.6, 1.2 + 0.5 * len(channels) + 0.6), layout="constrained"
    )
    axes = fig.subplots(1, len(params), sharey=True, squeeze=False)[0]
    ypos = np.arange(len(channels))[::-1].astype(float)
    for ax, p in zip(axes, params, strict=True):
        t = table[table["parameter"] == p].set_index("item").loc[channels]
        ax.hlines(ypos + 0.14, t["prior_lower"], t["prior_upper"], color="0.6", lw=4, label="prior")
        ax.plot(t["prior_mean"], ypos + 0.14, "|", color="0.3", ms=9)
        ax.hlines(
            ypos - 0.14,
            t["posterior_lower"],
            t["posterior_upper"],
            color="C0",
            lw=4,
            label="posterior",
        )
        ax.plot(t["posterior_mean"], ypos - 0.14, "o", color="C0", ms=4)
        right = float(max(t["prior_upper"].max(), t["posterior_upper"].max()))
        for y, c in zip(ypos, t["contraction"], strict=True):
            weak = c < WEAK_CONTRACTION
            ax.annotate(
                f"{max(c, 0):.0%}",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize="x-small",
                color="C3" if weak else "0.2",
                fontweight="bold" if weak else "normal",
            )
        ax.set_xlim(0, 1 if p == D.DECAY else right * 1.05)
        ax.set_title(PARAM_LABELS.get(p, p), fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(ypos, channels)
    axes[0].set_ylim(-0.7, len(channels) - 0.3)
    axes[0].legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2, frameon=False, fontsize="small"
    )
    fig.suptitle(
        f"What the data taught: prior vs posterior {prob:.0%} intervals (right of each panel: "
        f"share of the prior variance removed; red = under {WEAK_CONTRACTION:.0%})"
    )
    return fig
