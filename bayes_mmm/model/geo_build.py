"""The hierarchical geo model (pytensor; the numpy twin is :mod:`.geo_forward`).

Per geo ``g`` (outcome in units of its mean, see :mod:`.geo`)::

    y[g, t] ~ Normal(mu[g, t], sigma[g])
    mu[g, t] = level[g] + trend_geo[g] (time_t - 1/2) + fourier_t . season_geo[g]
               + controls[g, t] . control_coef + sum_c media[g, t, c]

Media keep the ROI parametrisation of the national model (:mod:`.components.media`) per geo:
``roi_geo[g, c] = roi[c] * exp(roi_geo_sd[c] * roi_geo_z[g, c])`` (non-centred, partially
pooled towards the national ``roi``, the typical geo's), the adstock and saturation shapes are
shared across geos (as Meridian does). Trend and seasonality are pooled the same way
(national value plus a non-centred deviation per geo); the level (through the intercept
prior, as nationally) and the noise are per geo; control coefficients are shared. With one
geo the data go through the national model (:mod:`.build`), which this reduces to.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.model import dims as D
from bayes_mmm.model.geo import (
    GEO_PARAM_DIMS,
    GEO_PRIORS,
    ROI_GEO,
    ROI_GEO_SD,
    ROI_GEO_Z,
    SEASON_GEO_SD,
    SEASON_GEO_Z,
    TREND_GEO_SD,
    TREND_GEO_Z,
    GeoDesign,
    make_geo_design,
)
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec


def geo_coords(data: MMMData, design: GeoDesign, spec: ModelSpec) -> dict[str, list]:
    return {
        D.GEO: list(data.geos),
        D.DATE: list(data.dates),
        D.CHANNEL: list(data.channels),
        D.CONTROL: list(data.control_names),
        D.FOURIER: design.fourier_names,
        D.LAG: list(range(spec.n_lags)),
    }


def geo_priors(priors: dict[str, Prior], spec: ModelSpec) -> dict[str, Prior]:
    """The national priors plus the hierarchy's (``spec.priors`` may override those)."""
    return {**GEO_PRIORS, **{k: v for k, v in spec.priors.items() if k in GEO_PRIORS}, **priors}


DATA_NAMES = {"fourier": "fourier_basis", "controls": "controls_scaled", "target": "target_scaled"}


def _data(key: str, values: np.ndarray):
    """``pm.Data`` of design array ``key`` (named as in the national model)."""
    name = DATA_NAMES.get(key, key)
    return pm.Data(name, np.asarray(values, dtype="float64"), dims=GeoDesign.DIMS[key])


def add_geo_media(ctx, design: GeoDesign, spec: ModelSpec):
    """Media minus their window means ``(geo, date, channel)`` and the means ``(geo, channel)``,
    in each geo's scaled outcome."""
    x_lagged = _data("x_lagged", design.x_lagged)
    spend_total = _data("spend_total", design.spend_total)
    scale = _data("target_scale", design.target_scale)
    n_lag, n_geo, n_date, n_ch = (x_lagged.shape[i] for i in range(4))
    roi = ctx.add_prior(D.ROI)
    sd = ctx.add_prior(ROI_GEO_SD, dims=GEO_PARAM_DIMS[ROI_GEO_SD])
    z = pm.Normal(ROI_GEO_Z, 0.0, 1.0, dims=GEO_PARAM_DIMS[ROI_GEO_Z])
    roi_geo = pm.Deterministic(ROI_GEO, roi * pt.exp(sd * z), dims=GEO_PARAM_DIMS[ROI_GEO])
    adstock, saturation = spec.adstock_component, spec.saturation_component
    flat = x_lagged.reshape((n_lag, n_geo * n_date, n_ch))  # the national kernels, geo by geo
    adstocked = adstock.forward_pt(flat, adstock.add_params(ctx), spec.n_lags)
    saturated = saturation.forward_pt(adstocked, saturation.add_params(ctx))
    saturated = saturated.reshape((n_geo, n_date, n_ch))
    total = pt.maximum(saturated.sum(axis=1, keepdims=True), 1e-300)  # a channel off in a geo
    window_total = roi_geo * spend_total / scale[:, None]
    deviation = saturated / total - 1.0 / pt.cast(n_date, "float64")
    return deviation * window_total[:, None, :], window_total / pt.cast(n_date, "float64")


def _pooled(ctx, name: str, sd_name: str, z_name: str, n_geos: int):
    """National parameter plus a non-centred per-geo deviation: ``(geo, ...)``."""
    national = ctx.add_prior(name)
    if n_geos == 1:
        return national[None]
    sd = ctx.add_prior(sd_name, dims=())
    z = pm.Normal(z_name, 0.0, 1.0, dims=GEO_PARAM_DIMS[z_name])
    return national[None] + sd * z


def add_geo_baseline(ctx, design: GeoDesign, spec: ModelSpec, media_mean, n_geos: int):
    """``(geo, date)`` level, trend, seasonality and controls."""
    level = pm.Flat(D.LEVEL, dims=GEO_PARAM_DIMS[D.LEVEL])
    intercept = pm.Deterministic(
        D.INTERCEPT, level - media_mean.sum(axis=1), dims=GEO_PARAM_DIMS[D.INTERCEPT]
    )
    pm.Potential("intercept_prior", pm.logp(ctx.prior_dist(D.INTERCEPT), intercept).sum())
    mu = level[:, None]
    if spec.trend:
        time = _data("time", design.time)
        trend = _pooled(ctx, D.TREND, TREND_GEO_SD, TREND_GEO_Z, n_geos)
        mu = mu + trend[:, None] * (time[None, :] - 0.5)
    if design.fourier.shape[1]:
        basis = _data("fourier", design.fourier)
        season = _pooled(ctx, D.SEASONALITY, SEASON_GEO_SD, SEASON_GEO_Z, n_geos)
        mu = mu + pt.dot(season, basis.T)
    if design.controls.shape[2]:
        controls = _data("controls", design.controls)
        mu = mu + pt.tensordot(controls, ctx.add_prior(D.CONTROL_COEF), axes=[[2], [0]])
    return mu


def geo_graph(data: MMMData, spec: ModelSpec, priors: dict[str, Prior]):
    """``(model, mu)``: the geo model and its mean ``(geo, date)`` (scaled, for twin tests)."""
    from bayes_mmm.model.build import Context

    design = make_geo_design(data, spec)
    ctx = Context(geo_priors(priors, spec))
    with pm.Model(coords=geo_coords(data, design, spec)) as model:
        media, media_mean = add_geo_media(ctx, design, spec)
        mu = add_geo_baseline(ctx, design, spec, media_mean, data.n_geos) + media.sum(axis=2)
        y = _data("target", design.target)
        sigma = ctx.add_prior(D.SIGMA, dims=GEO_PARAM_DIMS[D.SIGMA])
        if spec.likelihood == "studentt":
            nu = ctx.add_prior(D.NU)
            pm.StudentT(D.OBS, nu=nu, mu=mu, sigma=sigma[:, None], observed=y, dims=(D.GEO, D.DATE))
        else:
            pm.Normal(D.OBS, mu=mu, sigma=sigma[:, None], observed=y, dims=(D.GEO, D.DATE))
    return model, mu


def build_geo_model(data: MMMData, spec: ModelSpec, priors: dict[str, Prior]) -> pm.Model:
    """The hierarchical PyMC model for geo data (see the module docstring)."""
    return geo_graph(data, spec, priors)[0]
