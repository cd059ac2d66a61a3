"""Plots: one function per figure, each returns a matplotlib Figure (saved as PNG by the CLI)."""

from bayes_mmm.plots.analysis import (
    all_figures,
    plot_adstock,
    plot_contributions,
    plot_fit,
    plot_holdout,
    plot_ppc,
    plot_prior_posterior,
    plot_response_curves,
    plot_roi,
)
from bayes_mmm.plots.budget import allocation as plot_allocation
from bayes_mmm.plots.budget import frontier as plot_frontier
from bayes_mmm.plots.budget import outcome_distributions as plot_outcome_distributions
from bayes_mmm.plots.lift import plot_lift_tests

__all__ = [
    "all_figures",
    "plot_adstock",
    "plot_allocation",
    "plot_contributions",
    "plot_fit",
    "plot_frontier",
    "plot_holdout",
    "plot_lift_tests",
    "plot_outcome_distributions",
    "plot_ppc",
    "plot_prior_posterior",
    "plot_response_curves",
    "plot_roi",
]
