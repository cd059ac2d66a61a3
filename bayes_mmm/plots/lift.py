"""Lift tests: each experiment's measured lift against the lift the fitted model predicts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.summary import ci
from bayes_mmm.experiments.lift import lift_table
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.plots.style import FIT_COLOR, OBS_COLOR
from bayes_mmm.plots.ticks import COMPACT


def plot_lift_tests(result: MMMFit | Analysis, ci_prob: float | None = None) -> Figure:
    """Per lift test: the measured lift with its 90% normal interval (1.645 sigma) and the
    model's posterior mean with its credible interval (steady-state tests: outcome per
    period; windowed tests: over their measurement window, summed over their geos)."""
    fit = result.fit if isinstance(result, Analysis) else result
    prob = result.ci_prob if isinstance(result, Analysis) else ci(ci_prob)
    if not fit.data.lift_tests:
        raise ValueError("this fit has no lift tests (MMMData.with_lift_tests)")
    t = lift_table(fit, prob)
    fig = Figure(figsize=(8, 1.5 + 0.55 * len(t)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(t))[::-1].astype(float)
    half = 1.645 * t["sigma"].to_numpy()
    ax.errorbar(
        t["lift"],
        y + 0.12,
        xerr=half,
        fmt="s",
        color=OBS_COLOR,
        capsize=3,
        label="measured, 90% interval (1.645 sigma)",
    )
    mean = t["model_mean"].to_numpy()
    err = [mean - t["model_lower"].to_numpy(), t["model_upper"].to_numpy() - mean]
    ax.errorbar(
        mean,
        y - 0.12,
        xerr=err,
        fmt="o",
        color=FIT_COLOR,
        capsize=3,
        label=f"model: posterior mean, {prob:.0%} interval",
    )
    ax.axvline(0.0, color="0.4", lw=1)
    geos = t["geo"] if "geo" in t else [""] * len(t)
    labels = [
        f"{row.lift_test}{f' in {g}' if g else ''}  ({row.delta_spend:+,.0f} from {row.spend:,.0f})"
        for row, g in zip(t.itertuples(), geos, strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.xaxis.set_major_formatter(COMPACT)
    windowed = fit.data.lift_tests.windowed
    what = "per period (steady state)" if not windowed.any() else (
        "over each test's window" if windowed.all() else
        "per period (steady-state tests) or over the window (windowed tests)")  # fmt: skip
    ax.set_xlabel(f"change in {fit.data.target_name} {what}")
    ax.set_title("Lift tests: measured against the fitted model")
    fig.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig
