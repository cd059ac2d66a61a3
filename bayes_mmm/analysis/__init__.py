"""Posterior analysis: contributions, ROI, parameters in the user's units."""

from bayes_mmm.analysis.contributions import contributions, contributions_table, prediction
from bayes_mmm.analysis.params import parameter_summary, parameters
from bayes_mmm.analysis.roi import roi_draws, roi_table

__all__ = [
    "contributions",
    "contributions_table",
    "parameter_summary",
    "parameters",
    "prediction",
    "roi_draws",
    "roi_table",
]
