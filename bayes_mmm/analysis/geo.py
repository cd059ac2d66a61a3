"""Analysis of geo fits: contributions and ROI per geo and nationally (the sum over geos),
from the geo model's numpy forward pass (:mod:`bayes_mmm.model.geo_forward`).

Every function takes ``geo=`` to select one geo (or ``"national"``, the total); without it,
national rows come first, then every geo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.summary import summarise, to_frame
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.inference.idata import stacked, unstack
from bayes_mmm.model import dims as D
from bayes_mmm.model.forward import BETA
from bayes_mmm.model.geo import GeoScales, make_geo_design
from bayes_mmm.model.geo_forward import GeoForward
from bayes_mmm.model.spec import ModelSpec


def geo_forward(posterior: xr.Dataset, data: MMMData, spec: ModelSpec) -> GeoForward:
    """The geo forward model at the draws of ``posterior``."""
    draws = stacked(posterior, list(posterior.data_vars))
    return GeoForward(spec, GeoScales.from_data(data), draws)


def _forward(fit) -> GeoForward:
    return geo_forward(fit.posterior, fit.data, fit.spec)


def _select(da: xr.DataArray, geo: str | None) -> xr.DataArray:
    if geo is None:
        return da
    if geo not in da[D.GEO].values:
        raise ValueError(f"geo '{geo}' is not in the fit; geos: {list(da[D.GEO].values)}")
    return da.sel({D.GEO: geo})


def _with_national(da: xr.DataArray, national: xr.DataArray) -> xr.DataArray:
    national = national.expand_dims({D.GEO: [NATIONAL]})
    out = xr.concat([national, da], dim=D.GEO)
    return out.transpose(*D.SAMPLE_DIMS, D.GEO, ...)


def geo_media_draws(fit) -> np.ndarray:
    """Channel contributions ``(sample, geo, date, channel)`` over the fit window."""
    beta = stacked(fit.posterior, [BETA])[BETA]
    return _forward(fit).media(fit.data.geo_spend, beta)


def geo_contributions(fit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, geo, date, component)`` in the user's units; geo ``national`` is the
    sum over geos. Components sum to each geo's modeled mean, draw by draw."""
    data = fit.data
    fwd = _forward(fit)
    design = make_geo_design(data, fit.spec)
    parts = fwd.baseline(design)
    media = geo_media_draws(fit)
    names, arrays = [], []
    for name, values in parts.items():
        if name == D.CONTROL:
            continue
        names.append(name)
        arrays.append(values)
    if D.CONTROL in parts:  # per control: coefficient x raw control
        sd = np.where(fwd.scales.control_sd > 0, fwd.scales.control_sd, 1.0)
        coef = fwd.draws[D.CONTROL_COEF] / sd
        for k, name in enumerate(data.control_names):
            names.append(name)
            raw = data.geo_controls[..., k]
            arrays.append(coef[:, k, None, None] * raw[None] * fwd.scales.target[None, :, None])
    names += list(data.channels)
    arrays += [media[..., c] for c in range(data.n_channels)]
    values = np.stack(arrays, axis=-1)
    coords = {D.GEO: list(data.geos), D.DATE: data.dates.values, D.COMPONENT: names}
    da = unstack(values, fit.posterior, (D.GEO, D.DATE, D.COMPONENT), coords)
    return _select(_with_national(da, da.sum(D.GEO)), geo).rename("contribution")


def _money(data: MMMData) -> np.ndarray:
    """``(geo + 1, channel)`` window money spend: national row first, then each geo."""
    per_geo = data.geo_money_spend.sum(axis=1)
    return np.vstack([per_geo.sum(axis=0), per_geo])


def _ratio(num: np.ndarray, spend: np.ndarray) -> np.ndarray:
    return np.where(spend > 0, num / np.where(spend > 0, spend, 1.0), np.nan)


def _roi_array(fit, per_geo: np.ndarray, name: str, geo: str | None) -> xr.DataArray:
    """``(S, geo, channel)`` window numerator per geo -> ROI with the national row."""
    data = fit.data
    money = _money(data)
    values = _ratio(np.concatenate([per_geo.sum(axis=1, keepdims=True), per_geo], axis=1), money)
    coords = {D.GEO: [NATIONAL, *data.geos], D.CHANNEL: list(data.channels)}
    da = unstack(values, fit.posterior, (D.GEO, D.CHANNEL), coords)
    return _select(da, geo).rename(name)


def geo_roi_draws(fit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, geo, channel)`` ROI: window contribution / window money spend, per geo
    and nationally (total over geos / total spend); NaN where a geo never spends on a channel
    and for organic channels (no spend)."""
    return _roi_array(fit, geo_media_draws(fit).sum(axis=2), "roi", geo)


def geo_revenue_roi_draws(fit, geo: str | None = None) -> xr.DataArray:
    """As :func:`geo_roi_draws` in revenue: ``sum_t contribution_gt x revenue_per_kpi_gt``
    / money spend (needs revenue per KPI)."""
    rpk = fit.data.geo_revenue_per_kpi
    if rpk is None:
        raise ValueError("revenue ROI needs revenue per KPI (revenue_per_kpi=...)")
    revenue = np.einsum("sgtc,gt->sgc", geo_media_draws(fit), rpk)
    return _roi_array(fit, revenue, "revenue_roi", geo)


def geo_roi_table(fit, ci_prob: float | None = None, geo: str | None = None) -> pd.DataFrame:
    """Rows ``geo, channel, spend, contribution_mean, roi_mean, roi_median, roi_lower,
    roi_upper`` (and ``revenue_roi_mean, revenue_roi_lower, revenue_roi_upper`` with revenue
    per KPI): national rows (geo ``national``) first, then each geo (ROI empty where a geo
    never spends on the channel, and for organic channels)."""
    media = geo_media_draws(fit).sum(axis=2)  # (S, geo, channel)
    contrib = np.concatenate([media.sum(axis=1, keepdims=True), media], axis=1).mean(axis=0)
    roi = geo_roi_draws(fit)
    spend = _money(fit.data)
    spend_da = xr.DataArray(spend, dims=(D.GEO, D.CHANNEL), coords={D.GEO: roi[D.GEO]})
    ds = summarise(roi.fillna(0.0), ci_prob, median=True)
    ds = ds.where(roi.notnull().all(D.SAMPLE_DIMS)).assign(
        spend=spend_da, contribution=(spend_da.dims, contrib)
    )
    table = to_frame(ds[["spend", "contribution"]])
    table = table.rename(columns={"contribution": "contribution_mean"})
    table = table.merge(to_frame(ds[["mean", "median", "lower", "upper"]], "roi_"))
    if fit.data.geo_revenue_per_kpi is not None:
        rev = geo_revenue_roi_draws(fit)
        rs = summarise(rev.fillna(0.0), ci_prob).where(rev.notnull().all(D.SAMPLE_DIMS))
        table = table.merge(to_frame(rs[["mean", "lower", "upper"]], "revenue_roi_"))
    if fit.data.organic:
        kinds = {c: "organic" if c in fit.data.organic else "paid" for c in fit.data.channels}
        table["kind"] = table[D.CHANNEL].map(kinds)
    order = {g: i for i, g in enumerate(roi[D.GEO].values)}
    table = table.sort_values([D.GEO], key=lambda s: s.map(order), kind="stable")
    table = table.reset_index(drop=True)
    return table if geo is None else table[table[D.GEO] == geo].reset_index(drop=True)
