"""Figures of model checking: prior predictive, time-slice CV, calibration of ROI intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_mmm.analysis.summary import eti_bounds
from bayes_mmm.checking.crossval import CVResult
from bayes_mmm.checking.prior import PriorCheck
from bayes_mmm.model import dims as D
from bayes_mmm.plots.style import err


def prior_predictive(check: PriorCheck, ci_probs: tuple[float, ...] = (0.5, 0.9)) -> Figure:
    """Prior predictive bands of the outcome over time, with the observed outcome on top."""
    data = check.prior.data
    y = check.outcome.values.reshape(-1, check.outcome.sizes[D.DATE])
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    for prob, alpha in zip(sorted(ci_probs, reverse=True), (0.25, 0.45), strict=False):
        lo, hi = eti_bounds(y, prob)
        ax.fill_between(
            data.dates, lo, hi, color="C1", alpha=alpha, lw=0, label=f"prior predictive {prob:.0%}"
        )
    ax.plot(data.dates, np.median(y, axis=0), color="C1", lw=1, label="prior predictive median")
    ax.plot(data.dates, data.target, color="black", lw=1.2, label=f"observed {data.target_name}")
    ax.set(
        title="Prior predictive check: outcomes the priors allow, before seeing the data",
        xlabel=data.date_name,
        ylabel=data.target_name,
    )
    ax.legend(loc="upper left", ncols=2, fontsize=8)
    return fig


def cv_forecasts(cv: CVResult) -> Figure:
    """Each fold's out-of-sample forecast (mean and predictive interval) against the actuals."""
    fc = cv.forecasts
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    for k, grp in fc.groupby("fold"):
        color = f"C{(int(k) - 1) % 10}"
        ax.fill_between(grp["date"], grp["lower"], grp["upper"], color=color, alpha=0.25, lw=0)
        ax.plot(grp["date"], grp["mean"], color=color, lw=1.5, label=f"fold {k} forecast")
    ax.plot(fc["date"], fc["actual"], "o", color="black", ms=3, label="actual")
    scores = ", ".join(
        f"{r.fold}: MAPE {r.mape:.1%}, cover {r.coverage:.0%}" for r in cv.folds.itertuples()
    )
    ax.set(
        title=f"Time-slice cross-validation (refit per fold)\n{scores}",
        xlabel="date",
        ylabel="outcome",
    )
    ax.title.set_fontsize(10)
    ax.legend(loc="upper left", fontsize=8, ncols=2)
    return fig


def cv_roi_stability(cv: CVResult) -> Figure:
    """ROI per channel as each fold adds data: stable estimates barely move."""
    roi = cv.roi
    channels = list(dict.fromkeys(roi["channel"]))
    folds = sorted(roi["fold"].unique())
    fig = Figure(figsize=(max(6, 1.6 * len(channels) + 2), 4), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(folds)
    for j, k in enumerate(folds):
        sub = roi[roi["fold"] == k].set_index("channel").loc[channels]
        x = np.arange(len(channels)) + (j - (len(folds) - 1) / 2) * width
        ax.errorbar(
            x,
            sub["roi_mean"],
            yerr=err(sub["roi_mean"], sub["roi_lower"], sub["roi_upper"]),
            fmt="o",
            capsize=3,
            color=f"C{j}",
            label=f"fold {k}",
        )
    ax.set_xticks(np.arange(len(channels)), channels)
    ax.set(
        title="ROI stability across time-slice folds (mean and interval)",
        ylabel="ROI (outcome per unit of spend)",
    )
    ax.axhline(0, color="0.7", lw=0.8)
    ax.legend(fontsize=8)
    return fig


def calibration(channels: pd.DataFrame, levels: tuple[float, ...] = (0.5, 0.8, 0.9)) -> Figure:
    """Nominal vs empirical coverage of ROI intervals (columns ``covered_50`` etc.)."""
    lv = np.asarray(levels)
    emp = np.array([channels[f"covered_{round(v * 100)}"].mean() for v in lv])
    n = len(channels)
    se = np.sqrt(lv * (1 - lv) / max(n, 1))
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.subplots()
    ax.plot([0.4, 1], [0.4, 1], color="grey", ls="--", label="perfect calibration")
    ax.fill_between(
        lv, lv - 2 * se, lv + 2 * se, color="grey", alpha=0.2, label="±2 s.e. (binomial)"
    )
    ax.plot(lv, emp, "o-", color="C0", label=f"bayes_mmm ({n} channel ROIs)")
    for x, e in zip(lv, emp, strict=True):
        ax.annotate(f"{e:.2f}", (x, e), textcoords="offset points", xytext=(6, -12))
    ax.set(
        xlabel="nominal interval probability",
        ylabel="share of true ROIs inside",
        title="ROI interval calibration",
        xlim=(0.4, 1),
        ylim=(0.4, 1),
    )
    ax.legend(loc="upper left")
    return fig
