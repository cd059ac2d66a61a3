"""Contributions over time of every component, per posterior draw, in the user's units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm import dims as D
from bayes_mmm import equations as eq
from bayes_mmm.analysis.summary import summarise, to_frame
from bayes_mmm.data.scaling import make_design
from bayes_mmm.fit import MMMFit
from bayes_mmm.idata import unstack

PARAMS = (*D.CHANNEL_PARAMS, D.INTERCEPT, D.TREND, D.SEASONALITY, D.CONTROL_COEF)


def media_draws(fit: MMMFit) -> np.ndarray:
    """Channel contributions ``(sample, date, channel)`` over the fit window."""
    params = fit.draws(*D.CHANNEL_PARAMS)
    sat = eq.saturation(fit.data.spend, fit.scales, params, fit.spec)
    return eq.media_contributions(sat, eq.beta(params, sat, fit.data.spend.sum(axis=0)))


def component_names(fit: MMMFit) -> list[str]:
    names = [D.BASELINE]
    if fit.spec.trend:
        names.append(D.TREND)
    if D.SEASONALITY in fit.posterior:
        names.append(D.SEASONALITY)
    return names + list(fit.data.control_names) + list(fit.data.channels)


def contributions(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, date, component)``: baseline, trend, seasonality, each control, each
    channel. Components sum to the model's mean prediction, draw by draw."""
    params = fit.draws(*PARAMS)
    scales = fit.scales
    base = eq.baseline_components(params, make_design(fit.data, fit.spec, scales), scales, fit.spec)
    parts = [base[D.BASELINE][..., None]]
    if D.TREND in base:
        parts.append(base[D.TREND][..., None])
    if D.SEASONALITY in base:
        parts.append(base[D.SEASONALITY][..., None])
    if D.CONTROL in base:
        parts.append(base[D.CONTROL])
    parts.append(media_draws(fit))
    values = np.concatenate(parts, axis=-1)
    coords = {D.DATE: fit.data.dates, D.COMPONENT: component_names(fit)}
    da = unstack(values, fit.posterior, (D.DATE, D.COMPONENT), coords)
    da.name = "contribution"
    da.attrs["units"] = fit.data.target_name
    return da


def prediction(fit: MMMFit) -> xr.DataArray:
    """Mean prediction ``(chain, draw, date)``: the sum of all components."""
    return contributions(fit).sum(D.COMPONENT).rename("mu")


def contributions_table(fit: MMMFit, ci_prob: float = 0.90) -> pd.DataFrame:
    """Long table ``date, component, mean, lower, upper``."""
    return to_frame(summarise(contributions(fit), ci_prob))
