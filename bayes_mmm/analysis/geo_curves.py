"""Response curves and marginal ROI of a geo fit, per geo and nationally, in the national
fit's conventions (:mod:`bayes_mmm.analysis.curves`, :mod:`bayes_mmm.analysis.mroi`).

**Curves.** For geo ``g`` and channel ``c``, the steady-state weekly contribution (outcome
units per period) when the channel spends a constant ``spend_multiple`` x its current mean
weekly spend in that geo every period (adstock settled)::

    response_gc(m) = beta_gc * h_c(m * spend_mean_gc / unit_gc)

``spend_mean_gc``: the geo's mean spend per period over all periods of the fit window (user
units: spend; spend-equivalent exposure for an exposure channel; exposure for an organic
one), the ``weekly_spend`` at multiple 1; ``unit_gc``: the model's unit of spend in the geo
(its size x the channel's on-week mean spend per unit of size, :class:`GeoScales`);
``beta_gc``: the fit's weekly contribution at saturation. The **national** curve scales
every geo together by the same multiple: ``weekly_spend = m x sum_g spend_mean_gc`` and the
outcome is the sum over geos, draw by draw. With one geo (a national fit) the national
curve is :func:`~bayes_mmm.analysis.curves.response_curves`.

**Marginal ROI.** Per geo, :mod:`~bayes_mmm.analysis.mroi`'s definition on the geo's own
spend: one more unit per period in each period the geo spends on the channel, carryover past
the window's end counted, per unit of added spend (NaN where a geo never spends on the
channel, and for organic channels). Nationally: one more unit of national spend, split
over geos in proportion to their window spend, ``sum_g share_gc x mroi_gc``.

Everything is computed a chunk of geos at a time (:func:`~bayes_mmm.analysis.geo.chunks_of`)
and only summaries (``mean``, ``lower``, ``upper``) are kept per geo, so memory is bounded by
the chunk, not by the number of geos. Every function takes ``geo=`` to select one geo (or
``"national"``); without it, national rows come first, then every geo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.curves import WEEKLY_SPEND, spend_multiples
from bayes_mmm.analysis.geo import (
    _chunks,
    _has_total,
    _out_geos,
    _select,
    _with_total,
    chunk_beta,
)
from bayes_mmm.analysis.mroi import per_active_unit
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D


def _curve_summary(fit, values: np.ndarray, geos, multiples, ci_prob) -> xr.Dataset:
    """Summary of ``(S, g, point, channel)`` curves, ``(geo, spend_multiple, channel)``."""
    coords = {D.GEO: list(geos), D.SPEND_MULTIPLE: multiples, D.CHANNEL: list(fit.data.channels)}
    dims = (D.GEO, D.SPEND_MULTIPLE, D.CHANNEL)
    return summarise(unstack(values, fit.posterior, dims, coords), ci_prob)


def geo_response_curves(
    fit,
    geo: str | None = None,
    max_multiple: float = 3.0,
    n_points: int = 61,
    ci_prob: float | None = None,
) -> xr.Dataset:
    """Summaries ``mean``, ``lower``, ``upper`` ``(geo, spend_multiple, channel)`` of the
    steady-state weekly contribution (outcome units per period) at ``spend_multiple`` x each
    geo's current mean weekly spend, national (every geo scaled together) first; coordinate
    ``weekly_spend`` ``(geo, spend_multiple, channel)`` in the user's units. See the module
    docstring for the definitions."""
    multiples = spend_multiples(max_multiple, n_points)
    data = fit.data
    spend_mean = data.geo_spend.mean(axis=1)  # (geo, channel) current mean weekly spend
    parts, national = [], None
    for chunk in _chunks(fit, what="response curves"):
        unit = chunk.fwd.scales.spend_unit()  # (g, channel)
        x = multiples[None, :, None] * (spend_mean[chunk.idx] / unit)[:, None, :]
        values = chunk.fwd.media_forward.response(x, chunk_beta(chunk))  # (S, g, point, ch)
        national = values.sum(axis=1) if national is None else national + values.sum(axis=1)
        geos = [data.geos[i] for i in chunk.idx]
        parts.append(_curve_summary(fit, values, geos, multiples, ci_prob))
    if _has_total(data):
        parts.insert(0, _curve_summary(fit, national[:, None], [NATIONAL], multiples, ci_prob))
    ds = xr.concat(parts, dim=D.GEO)
    spend = multiples[None, :, None] * _with_total(data, spend_mean, axis=0)[:, None, :]
    ds = ds.assign_coords({WEEKLY_SPEND: ((D.GEO, D.SPEND_MULTIPLE, D.CHANNEL), spend)})
    ds.attrs["units"] = f"{data.target_name} per period"
    return ds if geo is None else _select(ds, geo)


def geo_response_table(fit, ci_prob: float | None = None,
                       curves: xr.Dataset | None = None) -> pd.DataFrame:  # fmt: skip
    """Long table ``geo, channel, spend_multiple, weekly_spend, mean, lower, upper`` (the
    national ``response_curves.csv`` with a ``geo`` column), national rows first."""
    curves = geo_response_curves(fit, ci_prob=ci_prob) if curves is None else curves
    ds = curves.transpose(D.GEO, D.CHANNEL, D.SPEND_MULTIPLE)
    df = ds[["mean", "lower", "upper"]].reset_coords(WEEKLY_SPEND).to_dataframe()
    df = df.reset_index()[[D.GEO, D.CHANNEL, D.SPEND_MULTIPLE, WEEKLY_SPEND, "mean", "lower",
                           "upper"]]  # fmt: skip
    return df


def geo_mroi_draws(fit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, geo, channel)`` marginal ROI (outcome per unit of spend) at the
    current spend, national first (see the module docstring); NaN where a geo never spends
    on a channel and for organic channels."""
    data = fit.data
    tail = fit.spec.carryover_weeks
    window = data.geo_spend.sum(axis=1)  # (geo, channel)
    share = window / np.where(window.sum(axis=0) > 0, window.sum(axis=0), 1.0)
    per_geo, national = [], None
    for chunk in _chunks(fit, what="marginal ROI"):
        size = chunk.fwd.scales.size[:, None, None]
        mroi = per_active_unit(chunk.fwd.media_forward, chunk.spend, tail, chunk_beta(chunk), size)
        part = np.nan_to_num(mroi) * share[chunk.idx]
        national = part.sum(axis=1) if national is None else national + part.sum(axis=1)
        per_geo.append(mroi)
    values = np.concatenate(per_geo, axis=1)
    if _has_total(data):
        values = np.concatenate([national[:, None], values], axis=1)
    values = np.where(data.paid_mask, values, np.nan)
    coords = {D.GEO: _out_geos(data), D.CHANNEL: list(data.channels)}
    da = unstack(values, fit.posterior, (D.GEO, D.CHANNEL), coords)
    da.attrs["units"] = f"{data.target_name} per unit of spend"
    return _select(da, geo).rename("mroi")


def geo_mroi_table(fit, ci_prob: float | None = None, geo: str | None = None) -> pd.DataFrame:
    """Rows ``geo, channel, mroi_mean, mroi_lower, mroi_upper`` (the national ``roi.csv``'s
    marginal ROI columns), national rows first; empty where a geo never spends on the
    channel, and for organic channels."""
    draws = geo_mroi_draws(fit, geo)
    ds = summarise(draws.fillna(0.0), ci_prob).where(draws.notnull().all(D.SAMPLE_DIMS))
    df = ds.to_dataframe()[["mean", "lower", "upper"]].add_prefix("mroi_").reset_index()
    if geo is not None:
        df.insert(0, D.GEO, geo)
    return df


def with_mroi(roi: pd.DataFrame, mroi: pd.DataFrame) -> pd.DataFrame:
    """``roi.csv``'s rows with the marginal ROI columns after ``roi_upper`` (as nationally)."""
    out = roi.merge(mroi, on=[D.GEO, D.CHANNEL], how="left", validate="one_to_one")
    cols = list(roi.columns)
    at = cols.index("roi_upper") + 1
    return out[cols[:at] + list(mroi.columns[2:]) + cols[at:]]


def geo_roi_mroi_table(fit, ci_prob: float | None = None, geo: str | None = None) -> pd.DataFrame:
    """A geo fit's ``roi.csv``: :func:`~bayes_mmm.analysis.geo.geo_roi_table` with the
    marginal ROI columns of :func:`geo_mroi_table` after ``roi_upper``."""
    from bayes_mmm.analysis.geo import geo_roi_table

    return with_mroi(geo_roi_table(fit, ci_prob, geo=geo), geo_mroi_table(fit, ci_prob, geo=geo))
