"""Plots: one function per figure, each returns a matplotlib Figure (saved as PNG by the CLI).

Names are imported on first use (PEP 562), so that a submodule such as :mod:`.png` or
:mod:`.ticks` (all the PNG worker process loads) comes without the analysis stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bayes_mmm._lazy import lazy_exports

if TYPE_CHECKING:
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
    from bayes_mmm.plots.geo import (
        plot_geo_contributions,
        plot_geo_fit,
        plot_geo_ppc,
        plot_geo_response_curves,
        plot_geo_roi,
    )
    from bayes_mmm.plots.lift import plot_lift_tests

_ANALYSIS = (
    "all_figures",
    "plot_adstock",
    "plot_contributions",
    "plot_fit",
    "plot_holdout",
    "plot_ppc",
    "plot_prior_posterior",
    "plot_response_curves",
    "plot_roi",
)
GEO = (
    "plot_geo_contributions",
    "plot_geo_fit",
    "plot_geo_ppc",
    "plot_geo_response_curves",
    "plot_geo_roi",
)  # figures of geo fits
_EXPORTS = {name: ("bayes_mmm.plots.analysis", name) for name in _ANALYSIS}
_EXPORTS.update(
    plot_allocation=("bayes_mmm.plots.budget", "allocation"),
    plot_frontier=("bayes_mmm.plots.budget", "frontier"),
    plot_outcome_distributions=("bayes_mmm.plots.budget", "outcome_distributions"),
    plot_lift_tests=("bayes_mmm.plots.lift", "plot_lift_tests"),
    **{name: ("bayes_mmm.plots.geo", name) for name in GEO},
)
__all__ = [
    "all_figures",
    "plot_adstock",
    "plot_allocation",
    "plot_contributions",
    "plot_fit",
    "plot_frontier",
    "plot_geo_contributions",
    "plot_geo_fit",
    "plot_geo_ppc",
    "plot_geo_response_curves",
    "plot_geo_roi",
    "plot_holdout",
    "plot_lift_tests",
    "plot_outcome_distributions",
    "plot_ppc",
    "plot_prior_posterior",
    "plot_response_curves",
    "plot_roi",
]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
