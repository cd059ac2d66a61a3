"""Baseline terms: level (intercept), trend, seasonality and controls, each with its pytensor
term (model) and its numpy twin (contributions), in units of the mean outcome.

The sampler sees the mean level of the outcome (``level``) instead of the intercept: media
enter as deviations from their window means, and ``intercept = level - sum_c mean media_c``
carries the intercept prior through a potential (a shift, so the joint density is unchanged).
In the direct form every ROI trades off against the intercept along a narrow curved ridge
(divergences, ~40 leapfrog steps per draw); this form removes that ridge.

Numpy: the model centres trend and controls; contributions report them relative to the start
of the window and to a control value of zero, the constant moved into ``baseline`` (``shift``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_mmm.data.scaling import Scales
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.smooth import SmoothBaseline
from bayes_mmm.model.design import Design
from bayes_mmm.model.spec import ModelSpec

Draws = Mapping[str, np.ndarray]


def _geo_dims(design, *dims: str) -> tuple[str, ...]:
    """``(geo, *dims)``, or ``dims`` for one geo (national variables have no geo axis)."""
    return dims if design.national else (D.GEO, *dims)


def add_level(ctx, media_mean, design):
    """Mean level per geo ``(geo,)`` (flat) with the intercept prior applied to each geo's
    ``level - sum(media_mean)`` (``media_mean``: ``(geo, channel)``)."""
    level = pm.Flat(D.LEVEL, dims=_geo_dims(design))
    level = level[None] if design.national else level
    intercept = level - media_mean.sum(axis=1)
    intercept = pm.Deterministic(
        D.INTERCEPT, intercept[0] if design.national else intercept, dims=_geo_dims(design)
    )
    pm.Potential("intercept_prior", pm.logp(ctx.prior_dist(D.INTERCEPT), intercept).sum())
    return level


def geo_deviations(z_name: str, dims: tuple[str, ...] = ()):
    """``(geo, *dims)`` standardised deviations of each geo from the mean over geos:
    ``ZeroSumNormal(1)`` over the geo axis (stored with dims ``(*dims, geo)``).

    The national value of a pooled parameter is then the mean over geos (of its log for ROI
    and seasonal amplitude), not a free centre: with free ``Normal(0, 1)`` deviations the
    national value traded against their mean along a ridge the data do not resolve (2 geos:
    correlation -0.9 for trend and seasonal scale, divergences where every geo's ROI sat
    above a low national one). ``sd * z`` keeps the hierarchy's spread: a deviation from the
    mean of ``G`` geos drawn from ``Normal(centre, sd)`` has variance ``sd**2 (G - 1) / G``,
    as here."""
    z = pm.ZeroSumNormal(z_name, sigma=1.0, dims=(*dims, D.GEO))
    return z if not dims else pt.moveaxis(z, -1, 0)


def pooled(ctx, name: str, sd_name: str, z_name: str, design, dims: tuple[str, ...] = ()):
    """Parameter ``name`` per geo ``(geo, *dims)``: the national value for one geo; with
    geos, the national value (their mean) plus a non-centred deviation ``sd * z`` summing to
    zero over geos (partial pooling, :func:`geo_deviations`)."""
    national = ctx.add_prior(name)
    if design.national:
        return national[None]
    sd = ctx.add_prior(sd_name, dims=())
    return national[None] + sd * geo_deviations(z_name, dims)


class Trend:
    """Linear trend over the window: ``trend * (time - 0.5)`` (``trend``: change over it;
    per geo, pooled towards the national one)."""

    name = D.TREND

    def active(self, spec: ModelSpec, design: Design) -> bool:
        return spec.trend

    def add(self, ctx, design):
        time = pm.Data("time", design.time, dims=(D.DATE,))
        trend = pooled(ctx, D.TREND, D.TREND_GEO_SD, D.TREND_GEO_Z, design)
        return trend[:, None] * (time[None, :] - 0.5)

    def forward(self, p: Draws, design: Design, scales: Scales):
        return p[D.TREND][:, None] * design.time[None, :], 0.5 * p[D.TREND]


def amplitude(ctx, design):
    """``(geo,)`` each geo's seasonal amplitude relative to the national cycle, pooled on the
    log scale (non-centred, log amplitudes summing to zero over geos, :func:`geo_deviations`:
    the national cycle is the geometric mean of the geos'):
    ``exp(seasonality_geo_sd * seasonality_geo_z)``."""
    sd = ctx.add_prior(D.SEASON_GEO_SD, dims=())
    return pt.exp(sd * geo_deviations(D.SEASON_GEO_Z))


class Seasonality:
    """Fourier terms of the calendar: ``fourier_basis @ seasonality``. With geos, one cycle
    whose amplitude varies by geo (:func:`amplitude`): regions share the calendar's shape and
    differ in its size. One parameter per geo, not one per geo x Fourier term: with noise of a
    few percent the per-term deviations are barely informed and their spread mixed slowly
    (bulk ESS ~275, r_hat 1.017 on 8 geos x 104 weeks)."""

    name = D.SEASONALITY

    def active(self, spec: ModelSpec, design: Design) -> bool:
        return bool(design.fourier.shape[1])

    def add(self, ctx, design):
        basis = pm.Data("fourier_basis", design.fourier, dims=(D.DATE, D.FOURIER))
        season = ctx.add_prior(D.SEASONALITY)[None]
        if not design.national:
            season = season * amplitude(ctx, design)[:, None]
        return pt.dot(season, basis.T)

    def forward(self, p: Draws, design: Design, scales: Scales):
        return p[D.SEASONALITY] @ design.fourier.T, 0.0


class Controls:
    """Controls, centred and standardised: ``controls_scaled @ control_coef`` (each geo's
    controls, coefficients shared)."""

    name = D.CONTROL

    def active(self, spec: ModelSpec, design: Design) -> bool:
        return bool(design.controls.shape[-1])

    def add(self, ctx, design):
        controls = pm.Data(
            "controls_scaled", design.values("controls"), dims=design.dims("controls")
        )
        controls = controls[None] if design.national else controls
        return pt.tensordot(controls, ctx.add_prior(D.CONTROL_COEF), axes=[[2], [0]])

    def forward(self, p: Draws, design: Design, scales: Scales):
        sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
        coef = p[D.CONTROL_COEF] / sd  # per unit of the raw control
        raw = design.controls * sd + scales.control_mean
        return coef[:, None, :] * raw[None, :, :], coef @ scales.control_mean


# in the order they enter the model; the smooth baseline is reported inside ``baseline``
TERMS = (Trend(), SmoothBaseline(), Seasonality(), Controls())


def add_baseline(level, ctx, design, spec: ModelSpec):
    """Level ``(geo,)`` plus every active term (each ``(geo, date)`` or ``(date,)``):
    ``(geo, date)``; ``design``: a :class:`~bayes_mmm.model.geo.GeoDesign`."""
    mu = level[:, None]
    for term in TERMS:
        if term.active(spec, design):
            mu = mu + term.add(ctx, design)
    return mu


def baseline_forward(p: Draws, design: Design, scales: Scales, spec: ModelSpec) -> dict:
    """Non-media components in outcome units: ``baseline`` (the level, plus the smooth
    time-varying baseline when active) and each active term, ``(S, date)`` (``control``:
    ``(S, date, control)``)."""
    n = len(p[D.INTERCEPT])
    level = p[D.INTERCEPT].copy()
    out: dict[str, np.ndarray] = {}
    for term in TERMS:
        if term.active(spec, design):
            out[term.name], shift = term.forward(p, design, scales)
            level = level - shift
    base = np.broadcast_to(level[:, None], (n, len(design.time))).copy()
    base += out.pop(SmoothBaseline.name, 0.0)
    out = {D.BASELINE: base, **out}
    return {k: v * scales.target for k, v in out.items()}
