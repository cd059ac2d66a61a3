"""Hill saturation ``h(x) = x**s / (x**s + k**s)``, written once per backend.

- ``half_saturation`` ``k`` (per channel): adstocked spend at half the maximum effect, in units
  of the channel's on-week mean spend. Default LogNormal(0, 0.4): the curve bends around the
  spend of a typical week the channel is on (docs/defaults.md).
- ``slope`` ``s`` (per channel): the shape (> 1: S-curve). Default LogNormal(0.35, 0.35).

Computed as ``sigmoid(s * (log x - log k))`` (exact and stable); spend at or below
``LOG_FLOOR`` saturates to exactly 0 (a small slope would otherwise turn the floor into a
visible response at zero spend).

The sampler sees ``u = logit(h(1)) = -s log k``, the curve's logit at the on-week mean spend,
instead of ``k``: the data inform the curve's height where the channel spends far better than
``k`` itself, whose posterior bends along ``s log k``. The half-saturation prior is kept
exactly through a potential (change of variables: ``log p_k(k) + log k - log s``) and
``half_saturation`` is a deterministic, so priors and posterior are those of the Hill model
(measured: the combination with no divergences on the calibration grid, docs/defaults.md).
"""

from __future__ import annotations

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Param, Saturation
from bayes_mmm.model.priors import Prior

pm = lazy_module("pymc")
pt = lazy_module("pytensor.tensor")
special = lazy_module("scipy.special")  # expit; scipy is imported when a curve is evaluated

LOG_FLOOR = 1e-12  # spend below this (model units) is treated as zero
LOGIT = "logit"  # key of the sampled logit at x = 1 in the parameters forward_pt takes

HALF_SATURATION = Param(
    D.HALF_SAT,
    Prior("LogNormal", mu=0.0, sigma=0.4),
    (0.0, None),
    "adstocked spend per period at half saturation",
    spend_power=1,
    sim_range=(0.5, 1.8),
)


# ---- numpy ---------------------------------------------------------------------------------
def hill_evaluate(x, log_k, s, *, out=None, grad_out=None, overwrite_x=False) -> np.ndarray:
    """``h`` (into ``out``) and, with ``grad_out``, ``d h / d x`` at ``x`` (just above the
    floor at zero spend), for ``log k`` and ``s`` broadcast against ``x``. In place where
    buffers are given (the optimizer's fast path); ``overwrite_x`` lets it use ``x`` too."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(log_k), np.shape(s))
    a = x if overwrite_x else np.array(np.broadcast_to(x, shape), dtype=float)
    zero = a <= LOG_FLOOR
    np.maximum(a, LOG_FLOOR, out=a)
    z = np.log(a, out=grad_out if grad_out is not None else a)  # a: x or a private copy
    np.subtract(z, log_k, out=z)
    np.multiply(z, s, out=z)
    h = special.expit(z, out=out)
    if grad_out is not None:  # d h / d x = s h (1 - h) / x
        np.subtract(1.0, h, out=z)
        np.multiply(z, h, out=z)
        np.multiply(z, s, out=z)
        np.divide(z, a, out=z)
    h[zero] = 0.0
    return h


# ---- pytensor ------------------------------------------------------------------------------
def hill_logit_pt(x, logit_at_one, slope):
    """Hill saturation given by its logit at ``x = 1``, ``-slope * log(half_saturation)``,
    for ``x`` ``(..., channel)`` and parameters ``(channel,)``; exactly 0 at zero spend."""
    log_x = pt.log(pt.maximum(x, LOG_FLOOR))
    h = pt.sigmoid(slope[None, :] * log_x + logit_at_one[None, :])
    return pt.switch(pt.gt(x, LOG_FLOOR), h, 0.0)


def add_logit(ctx, slope):
    """``u = -slope * log(half_saturation)`` (flat), with the half-saturation prior applied
    through the change of variables; ``half_saturation`` is added as a deterministic."""
    u = pm.Flat(D.SAT_LOGIT, dims=D.CHANNEL)
    log_k = -u / slope if slope is not None else -u
    half_sat = pm.Deterministic(D.HALF_SAT, pt.exp(log_k), dims=D.CHANNEL)
    jacobian = log_k - pt.log(slope) if slope is not None else log_k  # log |d k / d u|
    logp = pm.logp(ctx.prior_dist(D.HALF_SAT), half_sat)
    pm.Potential("half_saturation_prior", (logp + jacobian).sum())
    return u


class HillSaturation(Saturation):
    name = "hill"
    params = (
        HALF_SATURATION,
        Param(
            D.SLOPE,
            Prior("LogNormal", mu=0.35, sigma=0.35),
            (0.0, None),
            "Hill shape",
            sim_range=(0.8, 2.5),
        ),
    )

    def prepare(self, p):
        return {"log_k": np.log(p[D.HALF_SAT]), "s": np.asarray(p[D.SLOPE], dtype=float)}

    def evaluate(self, x, prep, *, out=None, grad_out=None, overwrite_x=False):
        return hill_evaluate(
            x, prep["log_k"], prep["s"], out=out, grad_out=grad_out, overwrite_x=overwrite_x
        )

    def add_params(self, ctx) -> dict:
        slope = ctx.add_prior(D.SLOPE)
        return {D.SLOPE: slope, LOGIT: add_logit(ctx, slope)}

    def forward_pt(self, x, p):
        s = p[D.SLOPE]
        u = p[LOGIT] if LOGIT in p else -s * pt.log(p[D.HALF_SAT])
        return hill_logit_pt(x, u, s)
