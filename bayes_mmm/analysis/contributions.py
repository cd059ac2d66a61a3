"""Contributions over time of every component, per posterior draw, in the user's units;
their summaries and each component's share of the modeled outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.scope import check_geo_argument, is_geo, require_national
from bayes_mmm.analysis.summary import summarise, to_frame
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D


def media_draws(fit: MMMFit) -> np.ndarray:
    """Channel contributions ``(sample, date, channel)`` over the fit window."""
    return predict.media(fit, fit.data.spend)


def contributions(fit: MMMFit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, date, component)``: baseline, trend, seasonality, each control, each
    channel over the fit window. Components sum to the model's mean prediction, draw by draw.
    A geo fit adds a ``geo`` axis, the national total first (``geo=`` selects one geo, or
    ``"national"``; :func:`~bayes_mmm.analysis.geo.geo_contributions`)."""
    check_geo_argument(fit, geo)
    if is_geo(fit):
        from bayes_mmm.analysis.geo import geo_contributions

        return geo_contributions(fit, geo)
    return predict.components(fit, fit.data)


def prediction(fit: MMMFit, contrib: xr.DataArray | None = None) -> xr.DataArray:
    """Mean prediction ``(chain, draw, date)``: the sum of all components."""
    require_national(fit, "bm.prediction")
    contrib = contributions(fit) if contrib is None else contrib
    return contrib.sum(D.COMPONENT, skipna=False).rename("mu")


def contributions_table(
    fit: MMMFit, ci_prob: float | None = None, contrib: xr.DataArray | None = None
) -> pd.DataFrame:
    """Long table ``date, component, mean, lower, upper``."""
    require_national(fit, "bm.contributions_table")
    contrib = contributions(fit) if contrib is None else contrib
    return to_frame(summarise(contrib, ci_prob))


def share_draws(fit: MMMFit, contrib: xr.DataArray | None = None) -> xr.Dataset:
    """Per draw, over the fit window: ``total`` contribution of each component and its
    ``share_of_total`` (of the modeled outcome) ``(chain, draw, component)``, and each
    channel's ``share_of_media`` (of the summed channel contributions) ``(chain, draw,
    channel)``. Components with negative values (seasonality, a control) can have negative
    shares. A geo fit adds a ``geo`` axis, national first
    (:func:`~bayes_mmm.analysis.geo.geo_share_draws`; ``contrib`` unused)."""
    if is_geo(fit):
        from bayes_mmm.analysis.geo import geo_share_draws

        return geo_share_draws(fit)
    contrib = contributions(fit) if contrib is None else contrib
    total = contrib.sum(D.DATE, skipna=False)  # draws have no NaN: no masked copy
    return shares_of(total, fit.data)


def shares_of(total: xr.DataArray, data) -> xr.Dataset:
    """:func:`share_draws` from each component's window ``total`` (``component`` and any
    other axes, e.g. ``geo``)."""
    media = total.sel({D.COMPONENT: list(data.channels)}).rename({D.COMPONENT: D.CHANNEL})
    ds = xr.Dataset(
        {
            "total": total,
            "share_of_total": total / total.sum(D.COMPONENT),
            "share_of_media": media / media.sum(D.CHANNEL),
        }
    )
    ds["total"].attrs["units"] = data.target_name
    return ds


def media_share(shares: xr.Dataset, channels, ci_prob: float | None = None) -> dict:
    """The share of the modeled outcome all ``channels`` together drove: ``mean, lower,
    upper`` over the draws of :func:`share_draws`' ``shares`` (one series: select a geo)."""
    media = shares["share_of_total"].sel({D.COMPONENT: list(channels)})
    share = summarise(media.sum(D.COMPONENT), ci_prob)
    return {k: float(v) for k, v in share.data_vars.items()}


def shares_table(
    fit: MMMFit,
    ci_prob: float | None = None,
    contrib: xr.DataArray | None = None,
    shares: xr.Dataset | None = None,
) -> pd.DataFrame:
    """One row per component: window ``total`` and ``share_of_total``, and for channels
    ``share_of_media``, each as ``*_mean, *_lower, *_upper`` (probability ``ci_prob``);
    ``share_of_media_*`` is empty for non-media components. ``shares``: the
    :func:`share_draws` of ``fit`` to reuse. A geo fit's table starts with a ``geo`` column,
    national rows first."""
    ds = share_draws(fit, contrib) if shares is None else shares
    out = to_frame(summarise(ds["total"], ci_prob), "total_")
    out = out.merge(to_frame(summarise(ds["share_of_total"], ci_prob), "share_of_total_"))
    media = to_frame(summarise(ds["share_of_media"], ci_prob), "share_of_media_")
    return out.merge(media.rename(columns={D.CHANNEL: D.COMPONENT}), how="left")
