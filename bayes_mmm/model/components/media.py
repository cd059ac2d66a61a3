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

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_mmm.model import dims as D
from bayes_mmm.model.components.window_lift import add_window_tests
from bayes_mmm.model.design import Design, LiftDesign
from bayes_mmm.model.spec import ModelSpec


def add_media(ctx, design: Design, spec: ModelSpec, target_scale: float):
    """Channel contributions minus their window means ``(date, channel)``, and the window
    means ``(channel,)``, in scaled outcome units."""
    x_lagged = pm.Data("x_lagged", design.x_lagged, dims=Design.DIMS["x_lagged"])
    spend_total = pm.Data("spend_total", design.spend_total, dims=Design.DIMS["spend_total"])
    scale = pm.Data(D.Y_SCALE, np.asarray(target_scale, dtype="float64"))
    roi = ctx.add_prior(D.ROI)
    adstock, saturation = spec.adstock_component, spec.saturation_component
    ad_params = adstock.add_params(ctx)
    adstocked = adstock.forward_pt(x_lagged, ad_params, spec.n_lags)
    sat_params = saturation.add_params(ctx)
    saturated = saturation.forward_pt(adstocked, sat_params)
    n_dates = pt.cast(saturated.shape[0], "float64")
    window_total = roi * spend_total / scale
    beta = window_total / saturated.sum(axis=0)
    if design.lift is not None:
        add_lift_tests(design.lift, beta, saturation, sat_params)
    if design.window is not None:
        add_window_tests(
            design.window, beta, adstock, ad_params, saturation, sat_params, spec.n_lags
        )
    deviation = saturated / saturated.sum(axis=0, keepdims=True) - 1.0 / n_dates
    return deviation * window_total[None, :], window_total / n_dates


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
