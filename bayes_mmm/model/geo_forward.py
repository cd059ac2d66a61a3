"""The geo model's numpy forward pass (twin of :mod:`.build` for geo data), vectorised over draws.

Media go through the one forward model (:class:`bayes_mmm.model.forward.Forward`, whose
layout already has the geo axis) on spend per unit of geo size, with per-geo shapes where the
fit has them (:mod:`.components.geo_shapes`); this module adds the per-geo ROI scale and the
per-geo baseline. Arrays are ``(sample, geo, date, ...)``; results are in
the user's units unless a name says ``scaled``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayes_mmm.model import dims as D
from bayes_mmm.model.components import geo_shapes, smooth
from bayes_mmm.model.components.smooth import smooth_forward
from bayes_mmm.model.forward import Forward
from bayes_mmm.model.geo import (
    ROI_GEO,
    SEASON_GEO_SD,
    SEASON_GEO_Z,
    TREND_GEO_SD,
    TREND_GEO_Z,
    GeoDesign,
    GeoScales,
)
from bayes_mmm.model.spec import ModelSpec


def _pooled(p: Mapping[str, np.ndarray], name: str, sd: str, z: str, n_geos: int) -> np.ndarray:
    """``(S, geo, ...)`` national value plus each geo's deviation."""
    national = p[name][:, None]
    if z not in p:
        return np.broadcast_to(national, (national.shape[0], n_geos, *national.shape[2:]))
    sd_ = p[sd].reshape(-1, *([1] * (p[z].ndim - 1)))
    return national + sd_ * p[z]


class GeoForward:
    """The geo model's mean at posterior draws ``(sample, ...)`` (model units)."""

    def __init__(self, spec: ModelSpec, scales: GeoScales, draws: Mapping[str, np.ndarray]):
        self.spec, self.scales, self.draws = spec, scales, dict(draws)
        media_draws = geo_shapes.per_geo_draws(draws, spec.media_params)  # as the fit has them
        self.media_forward = Forward(spec, scales.media_scales(), media_draws)

    def saturated(self, spend: np.ndarray) -> np.ndarray:
        """``h`` ``(S, geo, date, channel)`` of spend ``(geo, date, channel)``, user units."""
        per_size = np.asarray(spend, dtype=float) / self.scales.size[:, None, None]
        return self.media_forward.saturated(per_size)

    def beta(self, window_spend: np.ndarray) -> np.ndarray:
        """``(S, geo, channel)`` weekly contribution at saturation, outcome units:
        ``roi_geo * total spend / sum_t h`` over the fit window (0 where a geo never spends)."""
        h = self.saturated(window_spend).sum(axis=2)
        total = np.asarray(window_spend).sum(axis=1)
        return self.draws[ROI_GEO] * total / np.where(h > 0, h, 1.0)

    def media(self, spend: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """Channel contributions ``(S, geo, date, channel)`` in outcome units."""
        return beta[:, :, None, :] * self.saturated(spend)

    def baseline(self, design: GeoDesign) -> dict[str, np.ndarray]:
        """Non-media components ``(S, geo, date)`` in outcome units: ``baseline`` (intercept
        plus the trend's and controls' constants) and each active term."""
        p, scales = self.draws, self.scales
        n_geos, n_dates = design.target.shape
        level = p[D.INTERCEPT].copy()  # (S, geo)
        out: dict[str, np.ndarray] = {}
        if D.TREND in p:
            trend = _pooled(p, D.TREND, TREND_GEO_SD, TREND_GEO_Z, n_geos)
            out[D.TREND] = trend[:, :, None] * design.time[None, None, :]
            level = level - 0.5 * trend
        if D.SEASONALITY in p and design.fourier.shape[1]:
            season = p[D.SEASONALITY] @ design.fourier.T  # (S, date) the national cycle
            amp = np.ones((len(season), n_geos))
            if SEASON_GEO_Z in p:  # each geo's amplitude relative to it
                amp = np.exp(p[SEASON_GEO_SD][:, None] * p[SEASON_GEO_Z])
            out[D.SEASONALITY] = amp[:, :, None] * season[:, None, :]
        if D.CONTROL_COEF in p and design.controls.shape[2]:
            sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
            coef = p[D.CONTROL_COEF] / sd
            raw = design.controls * sd + scales.control_mean
            out[D.CONTROL] = np.einsum("sk,gtk->sgt", coef, raw)
            level = level - (coef @ scales.control_mean)[:, None]
        base = np.repeat(level[:, :, None], n_dates, axis=2)
        if smooth.Z in p:  # one smooth drift shared by geos, each in its own outcome units
            f = smooth_forward(p, design.time, design.span_weeks, design.fourier,
                               smooth.window_season(design))  # fmt: skip
            base = base + f[:, None, :]
        out = {D.BASELINE: base, **out}
        return {k: v * scales.target[None, :, None] for k, v in out.items()}

    def mean_scaled(self, design: GeoDesign, spend: np.ndarray) -> np.ndarray:
        """The model's ``mu`` ``(S, geo, date)`` in each geo's scaled outcome."""
        beta = self.beta(spend)
        total = self.media(spend, beta).sum(axis=3)
        total = total + sum(self.baseline(design).values())
        return total / self.scales.target[None, :, None]
