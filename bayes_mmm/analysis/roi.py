"""ROI per channel and draw: modeled contribution over the data window / spend over the window;
reported next to the marginal ROI (:mod:`bayes_mmm.analysis.mroi`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.contributions import media_draws
from bayes_mmm.analysis.mroi import mroi_draws
from bayes_mmm.analysis.scope import check_geo_argument, is_geo
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D


def _per_channel(fit: MMMFit, values: np.ndarray, name: str) -> xr.DataArray:
    da = unstack(values, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    return da.rename(name)


def spend_totals(data) -> np.ndarray:
    """``(channel,)`` money spend over the window; NaN for organic channels (no ROI)."""
    total = data.money_spend.sum(axis=0).astype(float)
    return np.where(data.paid_mask, total, np.nan)


def roi_draws(fit: MMMFit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, channel)`` ROI computed from the per-draw contributions (NaN for
    organic channels). A geo fit adds a ``geo`` axis, national first (``geo=`` selects
    one; :func:`~bayes_mmm.analysis.geo.geo_roi_draws`)."""
    check_geo_argument(fit, geo)
    if is_geo(fit):
        from bayes_mmm.analysis.geo import geo_roi_draws

        return geo_roi_draws(fit, geo)
    total = media_draws(fit).sum(axis=1) / spend_totals(fit.data)
    return _per_channel(fit, total, "roi")


def contribution_totals(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, channel)`` total contribution over the window."""
    return _per_channel(fit, media_draws(fit).sum(axis=1), "contribution")


def _channel_contributions(fit: MMMFit, contrib: xr.DataArray | None) -> xr.DataArray:
    """``(chain, draw, date, channel)`` channel contributions over the window."""
    if contrib is None:
        values = media_draws(fit)
        coords = {D.DATE: fit.data.dates, D.CHANNEL: list(fit.data.channels)}
        return unstack(values, fit.posterior, (D.DATE, D.CHANNEL), coords)
    contrib = contrib.sel({D.COMPONENT: list(fit.data.channels)})
    return contrib.rename({D.COMPONENT: D.CHANNEL})


def revenue_roi_draws(fit: MMMFit, contrib: xr.DataArray | None = None) -> xr.DataArray:
    """``(chain, draw, channel)`` revenue per unit of spend: ``sum_t contribution_t x
    revenue_per_kpi_t / spend`` (needs revenue per KPI; NaN for organic channels)."""
    rpk = fit.data.revenue_per_kpi
    if rpk is None:
        raise ValueError("revenue ROI needs revenue per KPI (revenue_per_kpi=...)")
    per_date = _channel_contributions(fit, contrib)
    weights = xr.DataArray(rpk, dims=D.DATE, coords={D.DATE: per_date[D.DATE].values})
    revenue = (per_date * weights).sum(D.DATE)
    spend = xr.DataArray(spend_totals(fit.data), dims=D.CHANNEL)
    return (revenue / spend).rename("revenue_roi")


def roi_table(
    fit: MMMFit,
    ci_prob: float | None = None,
    mroi: xr.DataArray | None = None,
    contrib: xr.DataArray | None = None,
    geo: str | None = None,
) -> pd.DataFrame:
    """One row per channel: ``channel, spend, contribution_mean, roi_mean, roi_median,
    roi_lower, roi_upper, mroi_mean, mroi_lower, mroi_upper`` (equal-tailed intervals with
    probability ``ci_prob``), and ``revenue_roi_mean, revenue_roi_lower, revenue_roi_upper``
    with revenue per KPI. Spend is money spend (exposure channels: their spend column);
    organic channels have spend 0 and no ROI (NA), ``kind`` says which is which. Precomputed
    draws may be passed: ``mroi`` from :func:`~bayes_mmm.mroi_draws`, ``contrib`` from
    :func:`~bayes_mmm.contributions`. A geo fit's table has a ``geo`` column, national rows
    first, then every geo (``geo=`` selects one; ``mroi`` and ``contrib`` are not used)."""
    check_geo_argument(fit, geo)
    if is_geo(fit):
        from bayes_mmm.analysis.geo_curves import geo_roi_mroi_table

        return geo_roi_mroi_table(fit, ci_prob, geo)
    data = fit.data
    per_date = _channel_contributions(fit, contrib)
    contrib_total = per_date.sum(D.DATE).rename("contribution")
    spend = spend_totals(data)
    roi = summarise(contrib_total / xr.DataArray(spend, dims=D.CHANNEL), ci_prob, median=True)
    marginal = summarise(mroi_draws(fit) if mroi is None else mroi, ci_prob)
    paid = data.paid_mask
    table = pd.DataFrame(
        {
            "channel": list(data.channels),
            "spend": np.nan_to_num(spend),
            "contribution_mean": contrib_total.mean(D.SAMPLE_DIMS).values,
            "roi_mean": roi["mean"].values,
            "roi_median": roi["median"].values,
            "roi_lower": roi["lower"].values,
            "roi_upper": roi["upper"].values,
            "mroi_mean": np.where(paid, marginal["mean"].values, np.nan),
            "mroi_lower": np.where(paid, marginal["lower"].values, np.nan),
            "mroi_upper": np.where(paid, marginal["upper"].values, np.nan),
        }
    )
    if data.revenue_per_kpi is not None:
        rev = summarise(revenue_roi_draws(fit, contrib), ci_prob)
        for k in ("mean", "lower", "upper"):
            table[f"revenue_roi_{k}"] = rev[k].values
    if data.organic or data.exposure:
        kinds = ["organic" if c in data.organic else "paid" for c in data.channels]
        table["kind"] = [
            f"{k}, exposure '{data.exposure[c]}'" if c in data.exposure else k
            for k, c in zip(kinds, data.channels, strict=True)
        ]
    return table
