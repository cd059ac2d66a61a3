"""Adstock and saturation shapes that vary by geo (``ModelSpec(geo_shapes="pooled")``).

By default a geo fit shares each channel's adstock and saturation shape across geos (as
Meridian does). With ``geo_shapes="pooled"``, every shape parameter ``p`` of the chosen
components (from their ``params``: e.g. ``decay``, ``half_saturation``, ``slope``) varies by
geo and channel, partially pooled around the national value on an unconstrained scale
(logit for a parameter in (a, b), log for one bounded on one side, identity otherwise),
non-centred::

    t(p_geo[g, c]) = t(p[c]) + p_geo_sd * p_geo_z[g, c],   p_geo_z ~ Normal(0, 1)

with one spread ``p_geo_sd`` per parameter (a scalar: a channel's own spread is weakly
informed by a handful of geos). Its default prior is Gamma(2, 20) (mean 0.1, mode 0.05 on the
unconstrained scale), boundary-avoiding like the other geo spreads (:mod:`..geo`): regions'
curves are never exactly equal, and a HalfNormal's mass at zero slows the sampler in the
funnel's neck. Gamma(2, 10) (mean 0.2) was measured first: on data whose shapes are truly
shared its chains did not mix (r_hat 1.60; Gamma(2, 20): 1.011), with no gain in accuracy
where shapes vary (benchmarks/results/geo_shapes.md). Priors are configurable
(``ModelSpec(priors={"decay_geo_sd": ...})``).

The component's own sampler parametrisation is kept for the national values (e.g. Hill's
logit at the mean spend); the per-geo values are deterministics ``p_geo`` ``(geo, channel)``.
Per-geo parameters enter the component's per-channel passes with geo x channel cells as
the "channels" (pytensor) or with a geo axis in the numpy layout (:func:`per_geo_draws`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Param
from bayes_mmm.model.priors import Prior

pm = lazy_module("pymc")
pt = lazy_module("pytensor.tensor")

SHARED, POOLED = "shared", "pooled"
GEO_SHAPES = (SHARED, POOLED)
SD_PRIOR = Prior("Gamma", alpha=2.0, beta=20.0)  # unconstrained scale: mean 0.1, mode 0.05
SD_SUPPORT = (0.0, None)


def geo_name(name: str) -> str:
    """The per-geo values ``(geo, channel)`` of shape parameter ``name`` (deterministic)."""
    return f"{name}_geo"


def sd_name(name: str) -> str:
    """The spread across geos of ``name`` on its unconstrained scale (a scalar)."""
    return f"{name}_geo_sd"


def z_name(name: str) -> str:
    """The non-centred deviations ``(geo, channel)`` of ``name``."""
    return f"{name}_geo_z"


def default_priors(params: Sequence[Param]) -> dict[str, Prior]:
    """Default priors of the spreads of ``params``."""
    return {sd_name(p.name): SD_PRIOR for p in params}


# ---- the unconstrained scale, written once for numpy and pytensor ----------------------------
def unconstrain(x, support: tuple[float | None, float | None], lib=np):
    """``x`` on the unconstrained scale: logit on (a, b), log on (a, inf) or (-inf, b)."""
    lo, hi = support
    if lo is not None and hi is not None:
        return lib.log(x - lo) - lib.log(hi - x)
    if lo is not None:
        return lib.log(x - lo)
    if hi is not None:
        return lib.log(hi - x)
    return x


def constrain(u, support: tuple[float | None, float | None], lib=np):
    """The inverse of :func:`unconstrain`."""
    lo, hi = support
    if lo is not None and hi is not None:
        sigmoid = pt.sigmoid if lib is not np else lambda v: 1.0 / (1.0 + np.exp(-v))
        return lo + (hi - lo) * sigmoid(u)
    if lo is not None:
        return lo + lib.exp(u)
    if hi is not None:
        return hi - lib.exp(u)
    return u


# ---- pytensor -------------------------------------------------------------------------------
def national_values(params: Sequence[Param], sampled: Mapping) -> dict:
    """The national value of each parameter: what the component's ``add_params`` returned,
    or the model's variable of that name (a deterministic, e.g. Hill's half-saturation)."""
    model = pm.modelcontext(None)
    return {p.name: sampled[p.name] if p.name in sampled else model[p.name] for p in params}


def add_geo_params(ctx, params: Sequence[Param], national: Mapping) -> dict:
    """Per-geo values ``(geo, channel)`` of ``params`` around their ``national`` values
    ``(channel,)`` (see the module docstring)."""
    out = {}
    for p in params:
        sd = ctx.add_prior(sd_name(p.name))
        z = pm.Normal(z_name(p.name), 0.0, 1.0, dims=(D.GEO, D.CHANNEL))
        u = unconstrain(national[p.name], p.support, pt)[None, :] + sd * z
        value = constrain(u, p.support, pt)
        out[p.name] = pm.Deterministic(geo_name(p.name), value, dims=(D.GEO, D.CHANNEL))
    return out


# ---- numpy ----------------------------------------------------------------------------------
def geo_values(draws: Mapping[str, np.ndarray], p: Param) -> np.ndarray:
    """``(sample, geo, channel)`` per-geo values of ``p`` at posterior draws (stacked), the
    twin of :func:`add_geo_params`."""
    national = unconstrain(np.asarray(draws[p.name], dtype=float), p.support)
    sd = np.asarray(draws[sd_name(p.name)], dtype=float).reshape(-1, 1, 1)
    return constrain(national[:, None, :] + sd * draws[z_name(p.name)], p.support)


def is_pooled(draws: Mapping[str, np.ndarray], params: Sequence[Param]) -> bool:
    """Whether ``draws`` come from a fit with per-geo shapes."""
    return any(z_name(p.name) in draws for p in params)


def per_geo_draws(draws: Mapping[str, np.ndarray], params: Sequence[Param]) -> dict:
    """``draws`` with each shape parameter ``(sample, channel)`` replaced by its per-geo
    values ``(sample, geo, channel)`` where the fit has them (else unchanged)."""
    out = dict(draws)
    for p in params:
        if z_name(p.name) in draws:
            out[p.name] = geo_values(draws, p)
    return out
