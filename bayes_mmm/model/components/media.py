"""The channel effect: adstock, then saturation, parametrised by ROI (pytensor; the numpy twin
is :mod:`bayes_mmm.model.forward`).

The contribution of channel ``c`` in period ``t`` is ``roi_c * total_spend_c * h_ct / sum_t h_ct``
with ``h`` the saturated adstocked spend. The data pin down ROI (the total contribution) much
better than the maximum effect of the curve, so this removes the strong beta-versus-saturation
ridge of the classical ``beta * h`` form and makes ROI priors meaningful in the user's units.
Media enter as deviations from their window means (the window means go to the level, see
:mod:`.baseline`).
"""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from bayes_mmm.model import dims as D
from bayes_mmm.model.components import geo_shapes
from bayes_mmm.model.components.baseline import geo_deviations
from bayes_mmm.model.components.window_lift import add_window_tests
from bayes_mmm.model.design import LiftDesign
from bayes_mmm.model.spec import ModelSpec


def _data(design, key: str, name: str | None = None):
    """``pm.Data`` of a design array, as the model holds it (no geo axis for one geo)."""
    return pm.Data(name or key, design.values(key), dims=design.dims(key))


def add_roi(ctx, design):
    """ROI ``(geo, channel)``: the national ``roi`` for one geo; with geos, partially pooled
    towards it on the log scale, non-centred: ``roi * exp(roi_geo_sd * roi_geo_z)``, the
    deviations summing to zero over geos (:func:`.baseline.geo_deviations`: ``roi`` is the
    geometric mean of the geos' ROI)."""
    roi = ctx.add_prior(D.ROI)
    if design.national:
        return roi[None, :]
    sd = ctx.add_prior(D.ROI_GEO_SD, dims=(D.CHANNEL,))
    z = geo_deviations(D.ROI_GEO_Z, (D.CHANNEL,))
    return pm.Deterministic(D.ROI_GEO, roi * pt.exp(sd * z), dims=(D.GEO, D.CHANNEL))


def add_media(ctx, design, spec: ModelSpec):
    """Channel contributions minus their window means ``(geo, date, channel)``, and the
    window means ``(geo, channel)``, in each geo's scaled outcome (``design``: a
    :class:`~bayes_mmm.model.geo.GeoDesign`; national data are one geo). The adstock and
    saturation shapes are shared by all geos, or vary by geo with ``geo_shapes="pooled"``."""
    x_lagged = _data(design, "x_lagged")
    spend_total = _data(design, "spend_total")
    scale = _data(design, "target_scale", D.Y_SCALE)
    if design.national:  # the same arrays with a geo axis of one
        x_lagged, spend_total, scale = x_lagged[:, None], spend_total[None], scale[None]
    n_lag, n_geo, n_date, n_ch = (x_lagged.shape[i] for i in range(4))
    roi = add_roi(ctx, design)
    adstock, saturation = spec.adstock_component, spec.saturation_component
    ad_params, sat_params = adstock.add_params(ctx), saturation.add_params(ctx)
    cells = None  # per-cell shape parameters, where they vary by geo
    if spec.geo_shapes == geo_shapes.POOLED and not design.national:
        saturated, cells = _saturated_per_geo(ctx, x_lagged, spec, ad_params, sat_params)
    else:
        flat = x_lagged.reshape((n_lag, n_geo * n_date, n_ch))  # geos one after another
        adstocked = adstock.forward_pt(flat, ad_params, spec.n_lags)
        saturated = saturation.forward_pt(adstocked, sat_params).reshape((n_geo, n_date, n_ch))
    # a channel that never spends in a geo: h = 0 there, and so is its contribution
    total = pt.maximum(saturated.sum(axis=1, keepdims=True), 1e-300)
    window_total = roi * spend_total / scale[:, None]
    beta = (window_total / total[:, 0, :]).reshape((-1,))  # (geo x channel,) geo-major
    if design.lift is not None:  # steady-state tests: national data only
        add_lift_tests(design.lift, beta, saturation, sat_params)
    if design.window is not None:
        if cells is None:
            shared = (ad_params, sat_params)
            cells = shared if design.national else [_per_cell(p, n_geo) for p in shared]
        ad_cells, sat_cells = cells
        add_window_tests(design.window, beta, adstock, ad_cells, saturation, sat_cells,
                         spec.n_lags)  # fmt: skip
    n_dates = pt.cast(n_date, "float64")
    deviation = saturated / total - 1.0 / n_dates
    return deviation * window_total[:, None, :], window_total / n_dates


def _per_cell(params: dict, n_geo) -> dict:
    """Shared shape parameters ``(channel,)`` repeated for every geo x channel cell
    (geo-major), as the windowed tests' rows index them."""
    return {k: (pt.ones((n_geo, 1)) * v[None, :]).reshape((-1,)) for k, v in params.items()}


def _saturated_per_geo(ctx, x_lagged, spec: ModelSpec, ad_params: dict, sat_params: dict):
    """``h`` ``(geo, date, channel)`` with shapes per geo (:mod:`.geo_shapes`): the
    components' per-channel passes see each geo x channel cell as a channel; and the
    per-cell parameters (adstock's, saturation's)."""
    adstock, saturation = spec.adstock_component, spec.saturation_component
    n_lag, n_geo, n_date, n_ch = (x_lagged.shape[i] for i in range(4))
    ad_cells, sat_cells = (
        {
            k: v.reshape((n_geo * n_ch,))  # geo-major cells
            for k, v in geo_shapes.add_geo_params(
                ctx, component.params, geo_shapes.national_values(component.params, sampled)
            ).items()
        }
        for component, sampled in ((adstock, ad_params), (saturation, sat_params))
    )
    cells = x_lagged.dimshuffle(0, 2, 1, 3).reshape((n_lag, n_date, n_geo * n_ch))
    adstocked = adstock.forward_pt(cells, ad_cells, spec.n_lags)
    saturated = saturation.forward_pt(adstocked, sat_cells)
    return saturated.reshape((n_date, n_geo, n_ch)).dimshuffle(1, 0, 2), (ad_cells, sat_cells)


def add_lift_tests(lift: LiftDesign, beta, saturation, sat_params):
    """Measured lifts as observations of the steady-state response curve: lift test ``i`` on
    channel ``c`` sees ``beta_c * (h_c(x1_i) - h_c(x0_i))`` (``beta``: weekly contribution at
    saturation, scaled outcome) with the test's standard error."""
    onehot = pm.Data("lift_channel", lift.onehot, dims=(D.LIFT_TEST, D.CHANNEL))
    x0 = pm.Data("lift_x0", lift.x0, dims=D.LIFT_TEST)
    x1 = pm.Data("lift_x1", lift.x1, dims=D.LIFT_TEST)
    tested = {k: pt.dot(onehot, v) for k, v in sat_params.items()}
    response = saturation.forward_pt(pt.stack([x0, x1]), tested)
    mu = pt.dot(onehot, beta) * (response[1] - response[0])
    sigma = pm.Data("lift_sigma", lift.sigma, dims=D.LIFT_TEST)
    observed = pm.Data("lift_observed", lift.lift, dims=D.LIFT_TEST)
    pm.Normal(D.LIFT_OBS, mu=mu, sigma=sigma, observed=observed, dims=D.LIFT_TEST)
