"""Posterior analysis: contributions, ROI and marginal ROI, response and adstock curves, fit
quality and holdout checks, prior vs posterior; ``Analysis`` computes them once for a fit."""

from bayes_mmm.analysis.checks import (
    Holdout,
    fit_quality,
    forecast,
    holdout,
    holdout_check,
    ppc,
    predictive,
)
from bayes_mmm.analysis.contributions import (
    contributions,
    contributions_table,
    prediction,
    share_draws,
    shares_table,
)
from bayes_mmm.analysis.curves import (
    adstock_curves,
    current_response,
    response_curves,
    response_table,
)
from bayes_mmm.analysis.learning import learning_flags, prior_draws, prior_posterior
from bayes_mmm.analysis.mroi import mroi_draws
from bayes_mmm.analysis.overview import Analysis, analyse
from bayes_mmm.analysis.params import parameter_summary, parameters
from bayes_mmm.analysis.roi import roi_draws, roi_table
from bayes_mmm.analysis.summary import pairwise_probabilities
from bayes_mmm.experiments.lift import lift_draws, lift_table

__all__ = [
    "Analysis",
    "Holdout",
    "adstock_curves",
    "analyse",
    "contributions",
    "contributions_table",
    "current_response",
    "fit_quality",
    "forecast",
    "holdout",
    "holdout_check",
    "learning_flags",
    "lift_draws",
    "lift_table",
    "mroi_draws",
    "pairwise_probabilities",
    "parameter_summary",
    "parameters",
    "ppc",
    "prediction",
    "predictive",
    "prior_draws",
    "prior_posterior",
    "response_curves",
    "response_table",
    "roi_draws",
    "roi_table",
    "share_draws",
    "shares_table",
]
