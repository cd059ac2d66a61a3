"""bayes_mmm: Bayesian media mix modeling with PyMC.

Typical use::

    import bayes_mmm as bm
    data = bm.read_csv("sales.csv", date="date", target="sales", channels=["tv", "search"])
    fit = bm.fit(data)
    bm.roi_table(fit)

Names are imported on first use (PEP 562): ``import bayes_mmm`` loads no PyMC, pytensor,
ArviZ or matplotlib, so the command line answers ``--help`` and bad input at once; ``bm.fit``
(or ``from bayes_mmm import fit``) imports what it needs then.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bayes_mmm._lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time see ``__getattr__``
    from bayes_mmm import budget, checking
    from bayes_mmm.analysis import (
        Analysis,
        Holdout,
        adstock_curves,
        analyse,
        contributions,
        contributions_table,
        current_response,
        fit_quality,
        forecast,
        holdout,
        holdout_check,
        learning_flags,
        lift_draws,
        lift_table,
        mroi_draws,
        pairwise_probabilities,
        parameter_summary,
        parameters,
        ppc,
        prediction,
        predictive,
        prior_draws,
        prior_posterior,
        response_curves,
        response_table,
        roi_draws,
        roi_table,
        share_draws,
        shares_table,
    )
    from bayes_mmm.analysis.geo_checks import geo_fit_quality
    from bayes_mmm.analysis.geo_overview import GeoAnalysis
    from bayes_mmm.analysis.scope import GeoFitError
    from bayes_mmm.analysis.summary import DEFAULT_CI_PROB as DEFAULT_CI_PROB
    from bayes_mmm.batch import fit_many
    from bayes_mmm.data import (
        DataValidationError,
        DataWarning,
        LiftTests,
        MMMData,
        Simulation,
        Truth,
        from_frame,
        parse_lift_tests,
        read_csv,
        simulate,
    )
    from bayes_mmm.data.demo import load_advertising, load_demo
    from bayes_mmm.experiments.plan import plan_tests
    from bayes_mmm.experiments.value import design_tests
    from bayes_mmm.htmlreport import report
    from bayes_mmm.inference.diagnostics import CompileWarning, Diagnostics, SamplingWarning
    from bayes_mmm.inference.fit import MMMFit, fit
    from bayes_mmm.io import ModelFileError, load, save
    from bayes_mmm.model.build import build_model
    from bayes_mmm.model.priors import Prior
    from bayes_mmm.model.spec import ModelSpec
    from bayes_mmm.plots import (
        plot_adstock,
        plot_allocation,
        plot_contributions,
        plot_fit,
        plot_frontier,
        plot_geo_contributions,
        plot_geo_fit,
        plot_geo_ppc,
        plot_geo_response_curves,
        plot_geo_roi,
        plot_holdout,
        plot_lift_tests,
        plot_outcome_distributions,
        plot_ppc,
        plot_prior_posterior,
        plot_response_curves,
        plot_roi,
    )

logging.getLogger("bayes_mmm").addHandler(logging.NullHandler())  # quiet unless configured

# public name -> (module, attribute in it; None: the module itself)
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "budget": ("bayes_mmm.budget", None),
    "checking": ("bayes_mmm.checking", None),
    "Analysis": ("bayes_mmm.analysis", "Analysis"),
    "GeoAnalysis": ("bayes_mmm.analysis.geo_overview", "GeoAnalysis"),
    "Holdout": ("bayes_mmm.analysis", "Holdout"),
    "adstock_curves": ("bayes_mmm.analysis", "adstock_curves"),
    "analyse": ("bayes_mmm.analysis", "analyse"),
    "contributions": ("bayes_mmm.analysis", "contributions"),
    "contributions_table": ("bayes_mmm.analysis", "contributions_table"),
    "current_response": ("bayes_mmm.analysis", "current_response"),
    "fit_quality": ("bayes_mmm.analysis", "fit_quality"),
    "forecast": ("bayes_mmm.analysis", "forecast"),
    "holdout": ("bayes_mmm.analysis", "holdout"),
    "holdout_check": ("bayes_mmm.analysis", "holdout_check"),
    "learning_flags": ("bayes_mmm.analysis", "learning_flags"),
    "lift_draws": ("bayes_mmm.analysis", "lift_draws"),
    "lift_table": ("bayes_mmm.analysis", "lift_table"),
    "design_tests": ("bayes_mmm.experiments.value", "design_tests"),
    "plan_tests": ("bayes_mmm.experiments.plan", "plan_tests"),
    "mroi_draws": ("bayes_mmm.analysis", "mroi_draws"),
    "pairwise_probabilities": ("bayes_mmm.analysis", "pairwise_probabilities"),
    "parameter_summary": ("bayes_mmm.analysis", "parameter_summary"),
    "parameters": ("bayes_mmm.analysis", "parameters"),
    "ppc": ("bayes_mmm.analysis", "ppc"),
    "prediction": ("bayes_mmm.analysis", "prediction"),
    "predictive": ("bayes_mmm.analysis", "predictive"),
    "prior_draws": ("bayes_mmm.analysis", "prior_draws"),
    "prior_posterior": ("bayes_mmm.analysis", "prior_posterior"),
    "response_curves": ("bayes_mmm.analysis", "response_curves"),
    "response_table": ("bayes_mmm.analysis", "response_table"),
    "roi_draws": ("bayes_mmm.analysis", "roi_draws"),
    "roi_table": ("bayes_mmm.analysis", "roi_table"),
    "share_draws": ("bayes_mmm.analysis", "share_draws"),
    "shares_table": ("bayes_mmm.analysis", "shares_table"),
    "DEFAULT_CI_PROB": ("bayes_mmm.analysis.summary", "DEFAULT_CI_PROB"),
    "fit_many": ("bayes_mmm.batch", "fit_many"),
    "DataValidationError": ("bayes_mmm.data", "DataValidationError"),
    "DataWarning": ("bayes_mmm.data", "DataWarning"),
    "LiftTests": ("bayes_mmm.data", "LiftTests"),
    "MMMData": ("bayes_mmm.data", "MMMData"),
    "Simulation": ("bayes_mmm.data", "Simulation"),
    "Truth": ("bayes_mmm.data", "Truth"),
    "from_frame": ("bayes_mmm.data", "from_frame"),
    "parse_lift_tests": ("bayes_mmm.data", "parse_lift_tests"),
    "read_csv": ("bayes_mmm.data", "read_csv"),
    "simulate": ("bayes_mmm.data", "simulate"),
    "load_advertising": ("bayes_mmm.data.demo", "load_advertising"),
    "load_demo": ("bayes_mmm.data.demo", "load_demo"),
    "report": ("bayes_mmm.htmlreport", "report"),
    "CompileWarning": ("bayes_mmm.inference.diagnostics", "CompileWarning"),
    "Diagnostics": ("bayes_mmm.inference.diagnostics", "Diagnostics"),
    "SamplingWarning": ("bayes_mmm.inference.diagnostics", "SamplingWarning"),
    "MMMFit": ("bayes_mmm.inference.fit", "MMMFit"),
    "fit": ("bayes_mmm.inference.fit", "fit"),
    "ModelFileError": ("bayes_mmm.io", "ModelFileError"),
    "load": ("bayes_mmm.io", "load"),
    "save": ("bayes_mmm.io", "save"),
    "build_model": ("bayes_mmm.model.build", "build_model"),
    "Prior": ("bayes_mmm.model.priors", "Prior"),
    "ModelSpec": ("bayes_mmm.model.spec", "ModelSpec"),
    "plot_adstock": ("bayes_mmm.plots", "plot_adstock"),
    "plot_allocation": ("bayes_mmm.plots", "plot_allocation"),
    "plot_contributions": ("bayes_mmm.plots", "plot_contributions"),
    "plot_fit": ("bayes_mmm.plots", "plot_fit"),
    "plot_frontier": ("bayes_mmm.plots", "plot_frontier"),
    "plot_geo_contributions": ("bayes_mmm.plots", "plot_geo_contributions"),
    "plot_geo_fit": ("bayes_mmm.plots", "plot_geo_fit"),
    "plot_geo_ppc": ("bayes_mmm.plots", "plot_geo_ppc"),
    "plot_geo_response_curves": ("bayes_mmm.plots", "plot_geo_response_curves"),
    "plot_geo_roi": ("bayes_mmm.plots", "plot_geo_roi"),
    "GeoFitError": ("bayes_mmm.analysis.scope", "GeoFitError"),
    "geo_fit_quality": ("bayes_mmm.analysis.geo_checks", "geo_fit_quality"),
    "plot_holdout": ("bayes_mmm.plots", "plot_holdout"),
    "plot_lift_tests": ("bayes_mmm.plots", "plot_lift_tests"),
    "plot_outcome_distributions": ("bayes_mmm.plots", "plot_outcome_distributions"),
    "plot_ppc": ("bayes_mmm.plots", "plot_ppc"),
    "plot_prior_posterior": ("bayes_mmm.plots", "plot_prior_posterior"),
    "plot_response_curves": ("bayes_mmm.plots", "plot_response_curves"),
    "plot_roi": ("bayes_mmm.plots", "plot_roi"),
}


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

__all__ = [
    "Analysis",
    "CompileWarning",
    "DataValidationError",
    "DataWarning",
    "Diagnostics",
    "GeoAnalysis",
    "GeoFitError",
    "Holdout",
    "LiftTests",
    "MMMData",
    "MMMFit",
    "ModelFileError",
    "ModelSpec",
    "Prior",
    "SamplingWarning",
    "Simulation",
    "Truth",
    "adstock_curves",
    "analyse",
    "budget",
    "build_model",
    "checking",
    "contributions",
    "contributions_table",
    "current_response",
    "design_tests",
    "fit",
    "fit_many",
    "fit_quality",
    "forecast",
    "from_frame",
    "geo_fit_quality",
    "holdout",
    "holdout_check",
    "learning_flags",
    "lift_draws",
    "lift_table",
    "load",
    "load_advertising",
    "load_demo",
    "mroi_draws",
    "pairwise_probabilities",
    "parameter_summary",
    "parameters",
    "parse_lift_tests",
    "plan_tests",
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
    "ppc",
    "prediction",
    "predictive",
    "prior_draws",
    "prior_posterior",
    "read_csv",
    "report",
    "response_curves",
    "response_table",
    "roi_draws",
    "roi_table",
    "save",
    "share_draws",
    "shares_table",
    "simulate",
]
