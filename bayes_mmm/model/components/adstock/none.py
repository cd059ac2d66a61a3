"""No adstock: a period's spend acts in that period only (``ModelSpec(adstock="none")``, or
``adstock=False``)."""

from __future__ import annotations

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model.components.base import Adstock

pt = lazy_module("pytensor.tensor")


class NoAdstock(Adstock):
    name = "none"
    params = ()
    carryover = False

    def weights(self, p, n_lags, axis):
        return np.ones([1] * (axis + 2))  # one lag of weight 1 (broadcasts on any layout)

    def weights_pt(self, p, n_lags):
        return pt.ones((1, 1))

    def forward(self, x, p, n_lags, axis):
        return np.asarray(x, dtype=float)

    def forward_pt(self, x_lagged, p, n_lags):
        return x_lagged[0]

    def add_params(self, ctx) -> dict:
        return {}
