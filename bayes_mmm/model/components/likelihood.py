"""The observation model: Normal (default) or Student-t noise around the mean, in units of the
mean outcome; its log density (LOO) and noise draws (predictive checks) in numpy."""

from __future__ import annotations

import numpy as np
import pymc as pm

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.spec import ModelSpec

stats = lazy_module("scipy.stats")  # ~0.5 s, needed after sampling only (LOO, checks)


def add_likelihood(ctx, mu, design, spec: ModelSpec):
    """Observations ``(geo, date)`` (national: ``(date,)``) around ``mu`` ``(geo, date)``,
    noise ``sigma`` per geo."""
    dims = design.dims("target")
    y = pm.Data("target_scaled", design.values("target"), dims=dims)
    sigma = ctx.add_prior(D.SIGMA, dims=dims[:-1] or None)
    mu, sigma = (mu[0], sigma) if design.national else (mu, sigma[:, None])
    if spec.likelihood == "studentt":
        nu = ctx.add_prior(D.NU)
        return pm.StudentT(D.OBS, nu=nu, mu=mu, sigma=sigma, observed=y, dims=dims)
    return pm.Normal(D.OBS, mu=mu, sigma=sigma, observed=y, dims=dims)


def logpdf(spec: ModelSpec, y, mu, sigma, nu=None) -> np.ndarray:
    """Pointwise log density of ``y`` given the mean ``mu`` (arrays broadcast together)."""
    if spec.likelihood == "studentt":
        return stats.t.logpdf(y, nu, mu, sigma)
    return stats.norm.logpdf(y, mu, sigma)


def noise(spec: ModelSpec, rng: np.random.Generator, shape, nu=None) -> np.ndarray:
    """Standard noise draws of the likelihood's family (times sigma gives the noise)."""
    if spec.likelihood == "studentt":
        return rng.standard_t(nu, size=shape)
    return rng.standard_normal(shape)
