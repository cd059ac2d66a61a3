"""Model parameters converted to the user's units, and their az.summary-style table."""

from __future__ import annotations

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.summary import ci
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D

UNITS = {
    D.ROI: "outcome per unit of spend",
    "beta": "outcome per period at full saturation",
    D.BASELINE: "outcome per period at the first date, controls at zero",
    D.TREND: "change of the outcome per period over the data window",
    D.SEASONALITY: "outcome per period (Fourier coefficient)",
    D.CONTROL_COEF: "outcome per period per unit of the control",
    D.SIGMA: "outcome per period (noise scale)",
    D.NU: "Student-t degrees of freedom",
    D.ROI_GEO_SD: "spread of log ROI across geos",
    D.TREND_GEO_SD: "spread of the trend across geos (share of each geo's mean outcome)",
    D.SEASON_GEO_SD: "spread of the log seasonal amplitude across geos",
    D.SIGMA_SHARED: "sd of the weekly shock common to all geos (share of each geo's mean)",
}
GEO_SPREAD = "_geo_sd"  # the hierarchy's spreads (shape spreads: on the unconstrained scale)


def parameters(fit: MMMFit) -> xr.Dataset:
    """Posterior of every parameter in the user's units, dims ``(chain, draw, ...)``."""
    post = fit.posterior
    sc = fit.scales
    y = sc.target
    out = {D.ROI: post[D.ROI], "beta": post["beta"]}
    spend_scale = xr.DataArray(
        sc.spend, dims=D.CHANNEL, coords={D.CHANNEL: list(fit.data.channels)}
    )
    units = dict(UNITS)
    for p in fit.spec.media_params:  # in the user's units of spend where measured in spend
        out[p.name] = post[p.name] * spend_scale**p.spend_power
        units[p.name] = p.unit
    level = post[D.INTERCEPT]
    if D.TREND in post:
        level = level - 0.5 * post[D.TREND]
        out[D.TREND] = post[D.TREND] * y
    if D.CONTROL_COEF in post:
        names = list(fit.data.control_names)
        sd = np.where(sc.control_sd > 0, sc.control_sd, 1.0)
        coef = post[D.CONTROL_COEF] / xr.DataArray(sd, dims=D.CONTROL, coords={D.CONTROL: names})
        mean = xr.DataArray(sc.control_mean, dims=D.CONTROL, coords={D.CONTROL: names})
        level = level - (coef * mean).sum(D.CONTROL)
        out[D.CONTROL_COEF] = coef * y
    if D.SEASONALITY in post:
        out[D.SEASONALITY] = post[D.SEASONALITY] * y
    out[D.BASELINE] = level * y
    out[D.SIGMA] = post[D.SIGMA] * y
    if D.NU in post:
        out[D.NU] = post[D.NU]
    if D.SIGMA_SHARED in post:
        out[D.SIGMA_SHARED] = post[D.SIGMA_SHARED]
    for name in post.data_vars:  # geo fits: how much geos differ, often the slowest to mix
        if str(name).endswith(GEO_SPREAD):
            out[name] = post[name]
            units.setdefault(name, "spread across geos (unconstrained scale)")
    ds = xr.Dataset(out)
    for name, da in ds.data_vars.items():
        da.attrs["units"] = units.get(name, "")
    return ds


def parameter_summary(fit: MMMFit, ci_prob: float | None = None) -> pd.DataFrame:
    """az.summary of :func:`parameters` (mean, sd, equal-tailed interval, ESS, r_hat, MCSE)."""
    table = azs.summary(parameters(fit), ci_prob=ci(ci_prob), ci_kind="eti", round_to="none")
    table.index.name = "parameter"
    return table
