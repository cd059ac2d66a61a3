"""bayes_mmm: Bayesian media mix modeling with PyMC.

Typical use::

    import bayes_mmm as bm
    data = bm.read_csv("sales.csv", date="date", target="sales", channels=["tv", "search"])
    fit = bm.fit(data)
    bm.roi_table(fit)
"""

import logging

from arviz_base import rcParams as _rcParams

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
from bayes_mmm.analysis.summary import DEFAULT_CI_PROB
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
    plot_holdout,
    plot_lift_tests,
    plot_outcome_distributions,
    plot_ppc,
    plot_prior_posterior,
    plot_response_curves,
    plot_roi,
)

logging.getLogger("bayes_mmm").addHandler(logging.NullHandler())  # quiet unless configured
_rcParams["stats.ci_prob"] = DEFAULT_CI_PROB  # interval probability of every summary (overridable)

__all__ = [
    "Analysis",
    "CompileWarning",
    "DataValidationError",
    "DataWarning",
    "Diagnostics",
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
