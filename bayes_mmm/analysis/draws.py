"""The forward model (:mod:`bayes_mmm.model.forward`) evaluated for a fit, as named xarray:
components over any dates and spend, channel contributions, and predictive noise.

``components(fit, rows, history)`` is the single computation behind in-sample contributions,
holdout forecasts and budget scenarios: media use the fit's parameters (including ``beta``,
fixed by the fit window) with adstock carried over from ``history``; trend, seasonality and
controls use the fit window's scales. Internally the date dimension is always ``date``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.scope import require_national
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.likelihood import noise
from bayes_mmm.model.design import make_design


def rows(
    fit: MMMFit,
    dates: pd.DatetimeIndex,
    spend: np.ndarray,
    controls: np.ndarray | None = None,
    target: np.ndarray | None = None,
) -> MMMData:
    """New rows in the fit's layout (not validated). Controls default to the fit window's mean."""
    data = fit.data
    n = len(dates)
    spend = np.asarray(spend, dtype=float).reshape(n, data.n_channels)
    if controls is None:
        controls = np.tile(data.controls.mean(axis=0), (n, 1))
    return MMMData(
        dates=pd.DatetimeIndex(dates, name=D.DATE),
        target=np.full(n, np.nan) if target is None else np.asarray(target, dtype=float),
        spend=spend,
        controls=np.asarray(controls, dtype=float).reshape(n, len(data.control_names)),
        channels=data.channels,
        control_names=data.control_names,
        target_name=data.target_name,
        date_name=data.date_name,
        period_days=data.period_days,
    )


def future_dates(fit: MMMFit, horizon: int) -> pd.DatetimeIndex:
    """``horizon`` periods following the last date of the fit window."""
    data = fit.data
    step = pd.Timedelta(days=data.period_days)
    return pd.DatetimeIndex([data.dates[-1] + step * (i + 1) for i in range(horizon)], name=D.DATE)


def component_names(fit: MMMFit) -> list[str]:
    names = [D.BASELINE]
    if fit.spec.trend:
        names.append(D.TREND)
    if D.SEASONALITY in fit.posterior:
        names.append(D.SEASONALITY)
    return names + list(fit.data.control_names) + list(fit.data.channels)


def media(fit: MMMFit, spend: np.ndarray, history: np.ndarray | None = None) -> np.ndarray:
    """Channel contributions ``(sample, date, channel)`` of ``spend`` (date, channel).

    ``history``: spend of the periods just before (adstock carries over from it; default none).
    """
    require_national(fit, "this analysis (the national forward pass)")
    return fit.forward().media(spend, history)


def components(fit: MMMFit, new: MMMData, history: np.ndarray | None = None) -> xr.DataArray:
    """``(chain, draw, date, component)`` for the rows ``new``, in outcome units.

    Components: baseline, trend, seasonality, each control, each channel (as in the model);
    their sum is the model's mean prediction, draw by draw.
    """
    require_national(fit, "this analysis (the national forward pass)")
    forward = fit.forward()
    base = forward.baseline(make_design(new, fit.spec, fit.scales))
    parts = [base[D.BASELINE][..., None]]
    for name in (D.TREND, D.SEASONALITY):
        if name in base:
            parts.append(base[name][..., None])
    if D.CONTROL in base:
        parts.append(base[D.CONTROL])
    parts.append(forward.media(new.spend, history))
    values = np.concatenate(parts, axis=-1)
    dates = pd.DatetimeIndex(new.dates, name=D.DATE)  # whatever the user's column is called
    coords = {D.DATE: dates, D.COMPONENT: component_names(fit)}
    da = unstack(values, fit.posterior, (D.DATE, D.COMPONENT), coords)
    da.name = "contribution"
    da.attrs["units"] = fit.data.target_name
    return da


def noise_draws(fit: MMMFit, mean: xr.DataArray, seed: int | None = 0) -> xr.DataArray:
    """Posterior predictive draws: ``mean`` (chain, draw, date) plus the likelihood's noise."""
    rng = np.random.default_rng(seed)
    sigma = fit.posterior[D.SIGMA] * fit.scales.target
    nu = fit.posterior[D.NU].values[..., None] if fit.spec.likelihood == "studentt" else None
    eps = noise(fit.spec, rng, mean.shape, nu)
    return (mean + sigma * xr.DataArray(eps, dims=mean.dims, coords=mean.coords)).rename("y")
