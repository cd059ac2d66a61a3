"""Michaelis-Menten saturation ``h(x) = x / (x + k)``: the Hill curve with its slope fixed at
1 (concave; one parameter fewer per channel). ``half_saturation`` as for Hill, sampled through
the same logit (``u = -log k``) and prior potential (:mod:`.hill`)."""

from __future__ import annotations

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Saturation
from bayes_mmm.model.components.saturation.hill import (
    HALF_SATURATION,
    LOGIT,
    add_logit,
    hill_evaluate,
    hill_logit_pt,
)

pt = lazy_module("pytensor.tensor")


class MichaelisMentenSaturation(Saturation):
    name = "michaelis_menten"
    params = (HALF_SATURATION,)

    def prepare(self, p):
        return {"log_k": np.log(p[D.HALF_SAT]), "s": 1.0}

    def evaluate(self, x, prep, *, out=None, grad_out=None, overwrite_x=False):
        return hill_evaluate(
            x, prep["log_k"], prep["s"], out=out, grad_out=grad_out, overwrite_x=overwrite_x
        )

    def add_params(self, ctx) -> dict:
        return {LOGIT: add_logit(ctx, None)}

    def forward_pt(self, x, p):
        u = p[LOGIT] if LOGIT in p else -pt.log(p[D.HALF_SAT])
        return hill_logit_pt(x, u, pt.ones_like(u))
