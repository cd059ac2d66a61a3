"""Geometric adstock: weights ``decay**l / sum_j decay**j`` over lags ``l = 0 .. l_max - 1``.

``decay`` (per channel, in (0, 1)): the share of a period's effect carried to the next.
Default prior Beta(2, 2): symmetric over (0, 1), most mass in 0.2-0.8 (docs/defaults.md).
"""

from __future__ import annotations

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Adstock, Param, lags_along
from bayes_mmm.model.priors import Prior

pt = lazy_module("pytensor.tensor")


class GeometricAdstock(Adstock):
    name = "geometric"
    params = (
        Param(
            D.DECAY,
            Prior("Beta", alpha=2.0, beta=2.0),
            (0.0, 1.0),
            "weekly carryover rate (0-1)",
            sim_range=(0.1, 0.8),
        ),
    )

    def weights(self, p, n_lags, axis):
        decay = p[D.DECAY]
        w = decay ** lags_along(n_lags, axis, decay.ndim)
        return w / w.sum(axis=axis, keepdims=True)

    def weights_pt(self, p, n_lags):
        lags = pt.arange(n_lags, dtype="float64")[:, None]
        w = p[D.DECAY][None, :] ** lags
        return w / w.sum(axis=0, keepdims=True)

    def add_params(self, ctx) -> dict:
        return {D.DECAY: ctx.add_prior(D.DECAY)}
