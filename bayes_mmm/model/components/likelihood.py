"""The observation model: Normal (default) or Student-t noise around the mean, in units of the
mean outcome; its log density (LOO) and noise draws (predictive checks) in numpy.

With geos and ``geo_noise="shared"``, a week's outcomes also share one shock: ``y[g, t] =
mu[g, t] + sigma_shared * eta[t] + sigma[g] * eps[g, t]`` (``eta``, ``eps`` standard normal;
units of each geo's mean outcome). The shock is integrated out: each week's residuals across
geos are normal with covariance ``diag(sigma**2) + sigma_shared**2`` (every entry), whose log
density :func:`shared_week_logp` gives in O(geos) by the Sherman-Morrison identity, the same
code for pytensor and numpy. Without it the national outcome (a sum over geos) gets intervals
too narrow when geos move together (``benchmarks/results/holdout_geo.md``)."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

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
    if spec.geo_noise == "shared" and not design.national:
        tau = ctx.add_prior(D.SIGMA_SHARED)
        return pm.Potential(D.OBS, shared_week_logp(pt, y - mu, sigma, tau).sum())
    mu, sigma = (mu[0], sigma) if design.national else (mu, sigma[:, None])
    if spec.likelihood == "studentt":
        nu = ctx.add_prior(D.NU)
        return pm.StudentT(D.OBS, nu=nu, mu=mu, sigma=sigma, observed=y, dims=dims)
    return pm.Normal(D.OBS, mu=mu, sigma=sigma, observed=y, dims=dims)


def shared_week_logp(xp, resid, sigma, tau):
    """Log density of each week's residuals ``resid`` ``(..., geo, date)`` under independent
    noise ``sigma`` ``(..., geo)`` plus one shock per week with sd ``tau`` ``(...)`` common to
    all geos: ``(..., date)``. ``xp``: numpy or ``pytensor.tensor``."""
    w = 1.0 / sigma**2  # (..., geo)
    tau2 = (tau**2)[..., None]  # (..., 1)
    a = xp.sum(w, axis=-1, keepdims=True)  # (..., 1)
    wr = xp.sum(w[..., None] * resid, axis=-2)  # (..., date)
    quad = xp.sum(w[..., None] * resid**2, axis=-2) - tau2 / (1.0 + tau2 * a) * wr**2
    logdet = xp.sum(xp.log(sigma**2), axis=-1, keepdims=True) + xp.log1p(tau2 * a)
    n_geos = resid.shape[-2]
    return -0.5 * (n_geos * np.log(2.0 * np.pi) + logdet + quad)


def shared_shock(rng: np.random.Generator, n_draws: int, n_dates: int) -> np.ndarray:
    """Standard draws of the weekly shock common to all geos ``(draw, date)`` (times
    ``sigma_shared`` and each geo's mean outcome gives it in that geo's units)."""
    return rng.standard_normal((n_draws, n_dates))


class SharedShock:
    """The shared weekly shock of a pass over chunks of geos: drawn once ``(draw, date)``
    and added to each chunk in its geos' units, so that every geo of a draw and week gets
    the same shock. Nothing (0) without ``geo_noise="shared"`` (the rng is then untouched)."""

    def __init__(self, spec: ModelSpec, rng: np.random.Generator):
        self.on, self.rng, self.eta = spec.geo_noise == "shared", rng, None

    def __call__(self, draws, target_scale: np.ndarray, shape: tuple) -> np.ndarray | float:
        """The shock ``shape`` ``(draw, geo, date)`` for geos of mean outcome
        ``target_scale`` at the posterior ``draws`` of the chunk."""
        if not self.on:
            return 0.0
        n, _, t = shape
        if self.eta is None:
            self.eta = shared_shock(self.rng, n, t)
        tau = np.asarray(draws[D.SIGMA_SHARED], dtype=float).reshape(n)
        return tau[:, None, None] * np.asarray(target_scale)[None, :, None] * self.eta[:, None]


def geo_replicates(spec: ModelSpec, chunk, mu: np.ndarray, rng, shock: SharedShock) -> np.ndarray:
    """Replicated outcomes ``(draw, geo, date)`` of one chunk of geos around its mean ``mu``
    (user units): each geo's own noise plus, with ``geo_noise="shared"``, the pass's shock."""
    draws, target = chunk.fwd.draws, chunk.fwd.scales.target
    sigma = draws[D.SIGMA].reshape(len(mu), -1) * target
    nu = draws[D.NU][:, None, None] if spec.likelihood == "studentt" else None
    rep = mu + sigma[..., None] * noise(spec, rng, mu.shape, nu)
    return rep + shock(draws, target, mu.shape)


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
