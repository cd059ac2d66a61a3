"""bayes_mmm: Bayesian media mix modeling with PyMC.

Typical use::

    import bayes_mmm as bm
    data = bm.read_csv("sales.csv", date="date", target="sales", channels=["tv", "search"])
    fit = bm.fit(data)
    bm.roi_table(fit)
"""

from bayes_mmm.analysis import (
    contributions,
    contributions_table,
    parameter_summary,
    parameters,
    prediction,
    roi_draws,
    roi_table,
)
from bayes_mmm.data import (
    DataValidationError,
    DataWarning,
    MMMData,
    Simulation,
    Truth,
    from_frame,
    read_csv,
    simulate,
)
from bayes_mmm.data.demo import load_demo
from bayes_mmm.diagnostics import Diagnostics, SamplingWarning
from bayes_mmm.fit import MMMFit, fit
from bayes_mmm.io import load, save
from bayes_mmm.model import build_model
from bayes_mmm.priors import Prior
from bayes_mmm.spec import ModelSpec

__all__ = [
    "DataValidationError",
    "DataWarning",
    "Diagnostics",
    "MMMData",
    "MMMFit",
    "ModelSpec",
    "Prior",
    "SamplingWarning",
    "Simulation",
    "Truth",
    "build_model",
    "contributions",
    "contributions_table",
    "fit",
    "from_frame",
    "load",
    "load_demo",
    "parameter_summary",
    "parameters",
    "prediction",
    "read_csv",
    "roi_draws",
    "roi_table",
    "save",
    "simulate",
]
