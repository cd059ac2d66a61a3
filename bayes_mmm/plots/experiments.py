"""Which test to run next: each candidate design's value (EVSI) against its cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_test_values(table: pd.DataFrame) -> Figure:
    """Expected value of the information (EVSI, with ±2 Monte Carlo errors) against the
    expected cost (with its interval) of each design of :func:`bayes_mmm.design_tests`;
    designs above the diagonal are worth more than they cost."""
    fig = Figure(figsize=(7.5, 5.5))
    ax = fig.subplots()
    cost, evsi = table["cost"].to_numpy(), table["evsi"].to_numpy()
    xerr = np.abs(np.vstack([cost - table["cost_lower"], table["cost_upper"] - cost]))
    ax.errorbar(
        cost, evsi, xerr=xerr, yerr=2 * table["evsi_mc_se"], fmt="o", ms=4, alpha=0.7, lw=0.8
    )
    for row in table.head(8).itertuples():
        ax.annotate(row.design, (row.cost, row.evsi), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    lo = min(cost.min(), evsi.min(), 0.0)
    hi = max(cost.max(), evsi.max(), 0.0)
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--", label="value = cost")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xlabel("expected cost of the test (objective's units)")
    ax.set_ylabel("expected value of its result for the decision (EVSI)")
    ax.set_title(f"Candidate tests: value vs cost ({table.attrs.get('objective', '')})")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig
