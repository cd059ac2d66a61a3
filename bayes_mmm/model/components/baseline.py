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


def add_level(ctx, media_mean):
    """Mean level (flat) with the intercept prior applied to ``level - sum(media_mean)``."""
    level = pm.Flat(D.LEVEL)
    intercept = pm.Deterministic(D.INTERCEPT, level - media_mean.sum())
    pm.Potential("intercept_prior", pm.logp(ctx.prior_dist(D.INTERCEPT), intercept))
    return level


class Trend:
    """Linear trend over the window: ``trend * (time - 0.5)`` (``trend``: change over it)."""

    name = D.TREND

    def active(self, spec: ModelSpec, design: Design) -> bool:
        return spec.trend

    def add(self, ctx, design: Design):
        time = pm.Data("time", design.time, dims=Design.DIMS["time"])
        return ctx.add_prior(D.TREND) * (time - 0.5)

    def forward(self, p: Draws, design: Design, scales: Scales):
        return p[D.TREND][:, None] * design.time[None, :], 0.5 * p[D.TREND]


class Seasonality:
    """Fourier terms of the calendar: ``fourier_basis @ seasonality``."""

    name = D.SEASONALITY

    def active(self, spec: ModelSpec, design: Design) -> bool:
        return bool(design.fourier.shape[1])

    def add(self, ctx, design: Design):
        basis = pm.Data("fourier_basis", design.fourier, dims=Design.DIMS["fourier"])
        return pt.dot(basis, ctx.add_prior(D.SEASONALITY))

    def forward(self, p: Draws, design: Design, scales: Scales):
        return p[D.SEASONALITY] @ design.fourier.T, 0.0


class Controls:
    """Controls, centred and standardised: ``controls_scaled @ control_coef``."""

    name = D.CONTROL

    def active(self, spec: ModelSpec, design: Design) -> bool:
        return bool(design.controls.shape[1])

    def add(self, ctx, design: Design):
        controls = pm.Data("controls_scaled", design.controls, dims=Design.DIMS["controls"])
        return pt.dot(controls, ctx.add_prior(D.CONTROL_COEF))

    def forward(self, p: Draws, design: Design, scales: Scales):
        sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
        coef = p[D.CONTROL_COEF] / sd  # per unit of the raw control
        raw = design.controls * sd + scales.control_mean
        return coef[:, None, :] * raw[None, :, :], coef @ scales.control_mean


# in the order they enter the model; the smooth baseline is reported inside ``baseline``
TERMS = (Trend(), SmoothBaseline(), Seasonality(), Controls())


def add_baseline(level, ctx, design: Design, spec: ModelSpec):
    """Level plus every active term: ``(date,)``."""
    mu = level
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
