"""The numpy prior samplers draw from the same distributions as PyMC's (same parametrisation):
two-sample Kolmogorov-Smirnov tests against ``pm.draw`` for every family and parameter set."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from bayes_mmm.model.prior_numpy import SAMPLERS, draw_numpy
from bayes_mmm.model.priors import Prior, draw_many

CASES = [
    ("Normal", {"mu": 1.5, "sigma": 0.7}),
    ("Normal", {"mu": -1.0, "tau": 4.0}),
    ("HalfNormal", {"sigma": 2.0}),
    ("HalfNormal", {"tau": 0.25}),
    ("LogNormal", {"mu": 0.3, "sigma": 0.5}),
    ("LogNormal", {"mu": 0.3, "tau": 2.0}),
    ("Lognormal", {"mu": -0.2, "sigma": 0.4}),
    ("Beta", {"alpha": 2.0, "beta": 5.0}),
    ("Beta", {"mu": 0.3, "sigma": 0.15}),
    ("Beta", {"mu": 0.6, "nu": 8.0}),
    ("Gamma", {"alpha": 3.0, "beta": 2.0}),
    ("Gamma", {"mu": 2.0, "sigma": 0.8}),
    ("Exponential", {"lam": 2.5}),
    ("Exponential", {"scale": 3.0}),
    ("StudentT", {"nu": 4.0, "mu": 1.0, "sigma": 0.5}),
    ("StudentT", {"nu": 5.0, "sigma": 2.0}),
    ("StudentT", {"nu": 6.0, "mu": 0.0, "lam": 4.0}),
    ("HalfStudentT", {"nu": 3.0, "sigma": 1.5}),
    ("HalfStudentT", {"nu": 3.0, "lam": 0.5}),
    ("HalfCauchy", {"beta": 0.8}),
    ("Uniform", {"lower": -1.0, "upper": 3.0}),
]


def test_every_numpy_family_is_covered_by_a_case():
    assert {d for d, _ in CASES} == set(SAMPLERS)


@pytest.mark.parametrize(("dist", "params"), CASES, ids=[f"{d}-{'-'.join(p)}" for d, p in CASES])
def test_numpy_draws_match_pymc(dist, params):
    n = 20_000
    ours = draw_numpy(dist, params, (n,), np.random.default_rng(1))
    theirs = pm.draw(getattr(pm, dist).dist(**params, size=n), random_seed=2)
    assert ours is not None and ours.shape == (n,)
    # a wrong parametrisation (rate for scale, precision for sd, ...) gives p ~ 0
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3


def test_parameters_broadcast_per_channel_and_others_fall_back_to_pymc():
    prior = Prior("HalfNormal", sigma=[0.1, 10.0])
    draws = prior.sample((5000, 2), seed=0)
    assert draws.shape == (5000, 2)
    assert draws[:, 1].std() > 50 * draws[:, 0].std()
    skew = Prior("SkewNormal", mu=0.0, sigma=1.0, alpha=4.0)  # no numpy sampler: PyMC's
    mixed = draw_many({"a": (prior, (100, 2)), "b": (skew, (100,))}, seed=0)
    assert mixed["b"].shape == (100,) and (mixed["b"] > 0).mean() > 0.8
