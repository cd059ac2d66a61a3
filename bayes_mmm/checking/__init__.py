"""Model checking: prior predictive checks, LOO model comparison, time-slice cross-validation."""

from bayes_mmm.checking.compare import (
    compare,
    compare_variants,
    default_variants,
    log_likelihood,
    loo,
)
from bayes_mmm.checking.crossval import CVResult, crps, time_slice_cv
from bayes_mmm.checking.prior import PriorCheck, prior_predictive_check, sample_prior

__all__ = [
    "CVResult",
    "PriorCheck",
    "compare",
    "compare_variants",
    "crps",
    "default_variants",
    "log_likelihood",
    "loo",
    "prior_predictive_check",
    "sample_prior",
    "time_slice_cv",
]
