"""Which test to run next: each candidate design's value (EVSI) against its cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_mmm.plots.ticks import COMPACT, compact

LABELLED = 10  # designs named beside the chart, best net value first


def plot_test_values(table: pd.DataFrame) -> Figure:
    """Expected value of the information (EVSI, with ±2 Monte Carlo errors) against the
    expected cost (with its interval) of each design of :func:`bayes_mmm.design_tests`;
    designs above the diagonal are worth more than they cost. The best ``LABELLED`` by net
    value carry their rank, named in the list beside the chart."""
    fig = Figure(figsize=(10.5, 5.5), layout="constrained")
    ax, side = fig.subplots(1, 2, width_ratios=[3, 1.3])
    cost, evsi = table["cost"].to_numpy(), table["evsi"].to_numpy()
    xerr = np.abs(np.vstack([cost - table["cost_lower"], table["cost_upper"] - cost]))
    yerr = 2 * table["evsi_mc_se"].to_numpy()
    ax.errorbar(cost, evsi, xerr=xerr, yerr=yerr, fmt="o", ms=4, alpha=0.7, lw=0.8)
    top = table.head(LABELLED)
    for rank, x, y in zip(top["rank"], top["cost"], top["evsi"], strict=True):
        ax.annotate(str(rank), (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    low, high = min(0.0, float((evsi - yerr).min())), float((evsi + yerr).max())
    ax.set_ylim(low - 0.05 * (high - low), high + 0.1 * (high - low))  # EVSI sets the scale
    ax.axline((0.0, 0.0), slope=1.0, color="grey", lw=0.8, ls="--", label="value = cost")
    ax.axhline(0, color="black", lw=0.5)
    ax.xaxis.set_major_formatter(COMPACT)
    ax.yaxis.set_major_formatter(COMPACT)
    ax.set_xlabel("expected cost of the test (objective's units)")
    ax.set_ylabel("expected value of its result for the decision (EVSI)")
    ax.set_title(f"Candidate tests: value vs cost ({table.attrs.get('objective', '')})")
    ax.legend(loc="upper left", fontsize=8)
    lines = [f"{r.rank:>2}. {r.design}\n    net {compact(r.net_value)}" for r in top.itertuples()]
    side.axis("off")
    side.text(0.0, 1.0, "best net value first\n\n" + "\n".join(lines), va="top",
              fontsize=8, family="monospace", transform=side.transAxes)  # fmt: skip
    return fig
