"""Delayed (peaked) adstock: weights ``decay**((l - peak)**2)`` over lags ``l = 0 .. l_max - 1``,
normalised (the form PyMC-Marketing and Robyn call delayed; Meridian's binomial/Weibull shapes
play the same role): the effect of a period's spend peaks ``peak`` periods later.

- ``decay`` (per channel, in (0, 1)): how fast the weights fall away from the peak (near 0:
  all at the peak; near 1: flat). Default Beta(2, 2), as for the geometric decay.
- ``peak`` (per channel, periods >= 0): the lag of the largest effect. Default HalfNormal(2):
  half the prior mass within 1.35 periods of the spend, 95% within 4 (TV-like delays of a
  few weeks are allowed; a peak beyond ``l_max`` is not a carryover the window can hold).

Computed as a softmax of ``(l - peak)**2 * log(decay)`` over the lags (the same weights,
without underflow when the peak is far from every lag).

As ``decay`` nears 0 the weights jump from one lag to the next as ``peak`` crosses a
half-integer, a sharp ridge NUTS sometimes diverges on: fits default to target acceptance
0.95 (docs/defaults.md: 2 of 36 simulated fits diverged once at 0.9, none at 0.95).
"""

from __future__ import annotations

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Adstock, Param, lags_along
from bayes_mmm.model.priors import Prior

pt = lazy_module("pytensor.tensor")


class DelayedAdstock(Adstock):
    name = "delayed"
    target_accept = 0.95
    params = (
        Param(
            D.DECAY,
            Prior("Beta", alpha=2.0, beta=2.0),
            (0.0, 1.0),
            "how fast the weights fall away from the peak (0-1)",
            sim_range=(0.3, 0.8),
        ),
        Param(
            D.PEAK,
            Prior("HalfNormal", sigma=2.0),
            (0.0, None),
            "lag of the peak effect (periods)",
            sim_range=(0.5, 3.0),
        ),
    )

    def weights(self, p, n_lags, axis):
        decay, peak = p[D.DECAY], p[D.PEAK]
        lags = lags_along(n_lags, axis, max(decay.ndim, peak.ndim))
        z = (lags - peak) ** 2 * np.log(decay)
        z = z - z.max(axis=axis, keepdims=True)
        w = np.exp(z)
        return w / w.sum(axis=axis, keepdims=True)

    def weights_pt(self, p, n_lags):
        lags = pt.arange(n_lags, dtype="float64")[:, None]
        z = (lags - p[D.PEAK][None, :]) ** 2 * pt.log(p[D.DECAY])[None, :]
        return pt.special.softmax(z, axis=0)

    def add_params(self, ctx) -> dict:
        return {D.DECAY: ctx.add_prior(D.DECAY), D.PEAK: ctx.add_prior(D.PEAK)}
