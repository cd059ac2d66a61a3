"""Response curves (steady-state weekly outcome against constant weekly spend) and adstock
weight curves, per posterior draw, with their summaries.

With normalised adstock weights, spending ``x`` every week gives adstocked spend ``x`` once
``l_max`` weeks have passed, so the steady-state weekly contribution of a channel is
``beta * h(x / onweek_mean)`` (``h``: the saturation component; ``onweek_mean``: the model's
unit of spend, ``Scales.spend``). "Current spend" is the channel's mean weekly spend over all
weeks of the fit window (``Scales.spend_mean``, multiple 1): for a flighted channel, the constant
weekly spend with the same total as its flights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.scope import check_geo_argument, is_geo, require_national
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D

WEEKLY_SPEND = "weekly_spend"


def spend_multiples(max_multiple: float, n_points: int) -> np.ndarray:
    """``n_points`` multiples of the current spend from 0 to ``max_multiple``."""
    if max_multiple <= 0 or n_points < 2:
        raise ValueError("max_multiple must be positive and n_points at least 2")
    return np.linspace(0.0, max_multiple, n_points)


def response_curves(fit: MMMFit, max_multiple: float = 3.0, n_points: int = 61) -> xr.DataArray:
    """``(chain, draw, spend_multiple, channel)``: steady-state weekly contribution (outcome
    units) at constant weekly spend ``spend_multiple`` x the channel's current mean weekly
    spend, for ``spend_multiple`` from 0 to ``max_multiple``. The coordinate
    ``weekly_spend`` ``(spend_multiple, channel)`` holds the spend in the user's units."""
    require_national(fit, "bm.response_curves")
    multiples = spend_multiples(max_multiple, n_points)
    scales = fit.scales
    spend = multiples[:, None] * scales.spend_mean[None, :]  # (spend_multiple, channel)
    values = fit.forward().response(spend / scales.spend)
    channels = list(fit.data.channels)
    coords = {D.SPEND_MULTIPLE: multiples, D.CHANNEL: channels}
    da = unstack(values, fit.posterior, (D.SPEND_MULTIPLE, D.CHANNEL), coords)
    da = da.assign_coords({WEEKLY_SPEND: ((D.SPEND_MULTIPLE, D.CHANNEL), spend)})
    da.attrs["units"] = f"{fit.data.target_name} per period"
    return da.rename("response")


def current_response(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, channel)``: steady-state weekly contribution at the current mean spend
    (over all weeks) spent every week."""
    require_national(fit, "bm.current_response")
    scales = fit.scales
    current = (scales.spend_mean / scales.spend)[None, :]  # in the model's unit of spend
    values = fit.forward().response(current)[:, 0, :]
    da = unstack(values, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    return da.rename("response")


def response_table(
    fit: MMMFit,
    ci_prob: float | None = None,
    curves: xr.DataArray | None = None,
    geo: str | None = None,
) -> pd.DataFrame:
    """Long table ``channel, spend_multiple, weekly_spend, mean, lower, upper``; a geo fit's
    has a ``geo`` column, national rows first (``geo=`` selects one; ``curves`` unused)."""
    check_geo_argument(fit, geo)
    if is_geo(fit):
        return _geo_response_table(fit, ci_prob, geo)
    curves = response_curves(fit) if curves is None else curves
    summary = summarise(curves, ci_prob).transpose(D.CHANNEL, D.SPEND_MULTIPLE)
    n_ch, n_x = summary.sizes[D.CHANNEL], summary.sizes[D.SPEND_MULTIPLE]
    df = pd.DataFrame(
        {
            D.CHANNEL: np.repeat(summary[D.CHANNEL].values, n_x),
            D.SPEND_MULTIPLE: np.tile(summary[D.SPEND_MULTIPLE].values, n_ch),
            WEEKLY_SPEND: summary[WEEKLY_SPEND].transpose(D.CHANNEL, ...).values.ravel(),
        }
    )
    for name in ("mean", "lower", "upper"):
        df[name] = summary[name].values.ravel()
    return df


def _geo_response_table(fit, ci_prob: float | None, geo: str | None) -> pd.DataFrame:
    from bayes_mmm.analysis.geo import require_geo
    from bayes_mmm.analysis.geo_curves import geo_response_curves, geo_response_table

    curves = geo_response_curves(fit, ci_prob=ci_prob)
    if geo is not None:
        require_geo(curves[D.GEO].values, geo)
        curves = curves.sel({D.GEO: [geo]})
    return geo_response_table(fit, ci_prob, curves)


def adstock_curves(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, lag, channel)``: the share of a week's spend effect felt ``lag``
    weeks later (the adstock component's normalised weights; lag 0 only without adstock)."""
    channels = list(fit.data.channels)
    weights = fit.forward().weights()
    coords = {D.LAG: np.arange(weights.shape[1]), D.CHANNEL: channels}
    return unstack(weights, fit.posterior, (D.LAG, D.CHANNEL), coords).rename("adstock_weight")
