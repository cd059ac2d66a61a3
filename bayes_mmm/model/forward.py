"""The one numpy forward model: every analysis (contributions, predictions, scenarios,
response curves, marginal ROI, lift predictions, the optimizer) evaluates the components'
numpy passes through :class:`Forward`, vectorised over posterior draws.

Arrays are laid out by ``dims.FORWARD_LAYOUT`` = (sample, geo, date, channel): parameters
``(sample, channel)`` are placed by :func:`~.components.base.expand`, kernels take the date
axis by name. National data are one geo: spend ``(date, channel)`` goes in and comes out
without the geo axis, spend ``(geo, date, channel)`` keeps it. Spend is in the user's units;
results are in the user's units unless a name says ``scaled``. ``tests/test_fit_plumbing.py``
checks the results against the PyMC model's own graph at posterior draws.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayes_mmm.data.scaling import Scales
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import expand
from bayes_mmm.model.components.baseline import baseline_forward
from bayes_mmm.model.design import Design
from bayes_mmm.model.spec import ModelSpec

BETA = "beta"  # weekly contribution at full saturation, outcome units (stored with the fit)
DATE_AXIS = D.FORWARD_LAYOUT.index(D.DATE)


def _layout(spend: np.ndarray) -> tuple[np.ndarray, bool]:
    """Spend ``(date, channel)`` or ``(geo, date, channel)`` as ``(1, geo, date, channel)``."""
    spend = np.asarray(spend, dtype=float)
    national = spend.ndim == 2
    return (spend[None, None] if national else spend[None]), national


def _expand_param(values: np.ndarray) -> np.ndarray:
    """A shape parameter ``(S, channel)``, or ``(S, geo, channel)`` where it varies by geo
    (``ModelSpec(geo_shapes="pooled")``), placed in the layout."""
    values = np.asarray(values, dtype=float)
    dims = (D.SAMPLE, D.GEO, D.CHANNEL) if values.ndim == 3 else (D.SAMPLE, D.CHANNEL)
    return expand(values, dims)


class Forward:
    """The model's mean function at given parameter draws ``(sample, ...)`` (model units,
    plus ``beta``), for a spec and the scales of its fit window."""

    def __init__(self, spec: ModelSpec, scales: Scales, draws: Mapping[str, np.ndarray]):
        self.spec, self.scales, self.draws = spec, scales, dict(draws)
        self.adstock, self.saturation = spec.adstock_component, spec.saturation_component
        names = [p.name for p in spec.media_params]
        self.media_params = {k: _expand_param(draws[k]) for k in names}
        self.n_samples = len(next(iter(draws.values())))

    @staticmethod
    def names(spec: ModelSpec) -> tuple[str, ...]:
        """Posterior variables the media part needs."""
        return (*spec.channel_params, BETA)

    # ---- media ----------------------------------------------------------------------------
    def scaled(self, spend: np.ndarray) -> np.ndarray:
        """Spend in the model's unit (each channel's on-week mean spend of the fit window)."""
        return np.asarray(spend, dtype=float) / self.scales.spend

    def adstocked(self, x: np.ndarray) -> np.ndarray:
        """Adstocked scaled spend ``(S, geo, date, channel)`` of layout-shaped ``x``."""
        return self.adstock.forward(x, self.media_params, self.spec.n_lags, DATE_AXIS)

    def adstocked_scaled(self, x: np.ndarray) -> np.ndarray:
        """Adstocked scaled spend ``(S, date, channel)`` of scaled spend ``(date, channel)``."""
        x, _ = _layout(x)
        return np.broadcast_to(self.adstocked(x), (self.n_samples, *x.shape[1:]))[:, 0]

    def saturated(self, spend: np.ndarray, history: np.ndarray | None = None) -> np.ndarray:
        """``h`` of adstocked ``spend`` (user units) over its dates, adstock carried over from
        ``history`` (the periods just before; default none): ``(S, [geo,] date, channel)``."""
        n_hist = 0 if history is None else np.shape(history)[-2]
        full = spend if history is None else np.concatenate([history, spend], axis=-2)
        x, national = _layout(self.scaled(full))
        h = self.saturation.forward(self.adstocked(x), self.media_params)
        h = np.broadcast_to(h, (self.n_samples, *h.shape[1:]))[:, :, n_hist:]
        return h[:, 0] if national else h

    def media(self, spend: np.ndarray, history: np.ndarray | None = None) -> np.ndarray:
        """Channel contributions ``(S, [geo,] date, channel)`` in outcome units."""
        h = self.saturated(spend, history)
        beta = self.draws[BETA]
        return h * beta.reshape(beta.shape[:1] + (1,) * (h.ndim - 2) + beta.shape[1:])

    def beta(self, window_spend: np.ndarray) -> np.ndarray:
        """``beta`` ``(S, channel)`` from the ROI parametrisation over the fit window:
        ``roi * total spend / sum_t h``."""
        h = self.saturated(window_spend)
        total = np.asarray(window_spend).sum(axis=-2)
        return self.draws[D.ROI] * total / h.sum(axis=-2)

    def response(self, x: np.ndarray, beta: np.ndarray | None = None) -> np.ndarray:
        """Steady-state weekly contribution ``(S, [geo,] point, channel)`` at constant scaled
        spend ``x`` ``([geo,] point, channel)`` spent every period (adstock settled); ``beta``
        ``(S, [geo,] channel)`` defaults to the draws'."""
        x = np.asarray(x, dtype=float)
        national = x.ndim == 2
        x = expand(x, (D.DATE, D.CHANNEL) if national else (D.GEO, D.DATE, D.CHANNEL))
        settled = self.adstock.steady_state(x, self.media_params)
        h = self.saturation.forward(settled, self.media_params)
        beta = self.draws[BETA] if beta is None else beta
        return beta[:, None, :] * h[:, 0] if national else beta[:, :, None, :] * h

    def marginal(
        self, spend: np.ndarray, bump: np.ndarray, beta: np.ndarray | None = None
    ) -> np.ndarray:
        """``d/de`` of the summed contributions at ``spend + e * bump`` (both ``([geo,] date,
        channel)``, user units), per channel: ``(S, [geo,] channel)`` outcome per unit of
        ``e``; ``beta`` ``(S, [geo,] channel)`` defaults to the draws'."""
        x, national = _layout(self.scaled(spend))
        db, _ = _layout(self.scaled(bump))
        slope = self.saturation.derivative(self.adstocked(x), self.media_params)
        d_adstocked = self.adstocked(db)  # adstock is linear
        per_unit = (slope * d_adstocked).sum(axis=DATE_AXIS)
        beta = self.draws[BETA] if beta is None else beta
        return beta * (per_unit[:, 0] if national else per_unit)

    def lift(self, x0: np.ndarray, x1: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """Steady-state lift ``(S, test)`` of moving channel ``channel[i]`` from constant
        scaled spend ``x0[i]`` to ``x1[i]``."""
        p = {k: v[:, 0, 0, channel] for k, v in self.media_params.items()}
        h = [self.saturation.forward(self.adstock.steady_state(x, p), p) for x in (x0, x1)]
        return self.draws[BETA][:, channel] * (h[1] - h[0])

    def weights(self) -> np.ndarray:
        """Adstock weights ``(S, lag, channel)``."""
        w = self.adstock.weights(self.media_params, self.spec.n_lags, DATE_AXIS)
        n_channels = self.draws[D.ROI].shape[-1]
        return np.broadcast_to(w, (self.n_samples, 1, w.shape[DATE_AXIS], n_channels))[:, 0]

    # ---- baseline ---------------------------------------------------------------------------
    def baseline(self, design: Design) -> dict[str, np.ndarray]:
        """Non-media components (outcome units) for the dates of ``design``."""
        return baseline_forward(self.draws, design, self.scales, self.spec)
