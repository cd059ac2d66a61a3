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

__all__ = [
    "all_figures",
    "plot_adstock",
    "plot_contributions",
    "plot_fit",
    "plot_holdout",
    "plot_ppc",
    "plot_prior_posterior",
    "plot_response_curves",
    "plot_roi",
]
