"""Logistic saturation ``h(x) = (1 - exp(-lam x)) / (1 + exp(-lam x)) = tanh(lam x / 2)``
(PyMC-Marketing's default): concave, ``h(0) = 0``, approaching 1.

``lam`` (per channel): steepness per unit of adstocked spend, the unit being the channel's
on-week mean spend. The curve reaches half its maximum at ``x = ln(3) / lam``. Default prior
LogNormal(log(ln 3), 0.4): that half-saturation point is then LogNormal(0, 0.4), exactly the
Hill default's half-saturation prior (the curve bends around the spend of a typical week the
channel is on, between ~0.45x and ~2.2x of it). PyMC-Marketing's Gamma(3, 1) on spend scaled by
its maximum says about the same: with weekly maxima ~2-3x the mean (the simulator's spend),
its median 2.7 is lam ~0.9-1.3 per on-week mean spend, against 1.1 here.
Sampled on the log scale (PyMC's transform): one parameter, no ridge to reparametrise.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Param, Saturation
from bayes_mmm.model.priors import Prior

pt = lazy_module("pytensor.tensor")

LN3 = float(np.log(3.0))


class LogisticSaturation(Saturation):
    name = "logistic"
    params = (
        Param(
            D.LAM,
            Prior("LogNormal", mu=float(np.log(LN3)), sigma=0.4),
            (0.0, None),
            "steepness per unit of adstocked spend per period",
            spend_power=-1,
            sim_range=(LN3 / 1.8, LN3 / 0.5),
        ),
    )

    def prepare(self, p):
        return {"half_lam": 0.5 * np.asarray(p[D.LAM], dtype=float)}

    def evaluate(self, x, prep, *, out=None, grad_out=None, overwrite_x=False):
        z = np.multiply(x, prep["half_lam"], out=x if overwrite_x else None)
        h = np.tanh(z, out=out)
        if grad_out is not None:  # d h / d x = lam / 2 (1 - h**2)
            np.multiply(h, h, out=grad_out)
            np.subtract(1.0, grad_out, out=grad_out)
            np.multiply(grad_out, prep["half_lam"], out=grad_out)
        return h

    def forward_pt(self, x, p):
        return pt.tanh(0.5 * p[D.LAM][None, :] * x)
