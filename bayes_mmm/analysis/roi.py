"""ROI per channel and draw: modeled contribution over the data window / spend over the window;
reported next to the marginal ROI (:mod:`bayes_mmm.analysis.mroi`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.contributions import media_draws
from bayes_mmm.analysis.mroi import mroi_draws
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D


def _per_channel(fit: MMMFit, values: np.ndarray, name: str) -> xr.DataArray:
    da = unstack(values, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    return da.rename(name)


def roi_draws(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, channel)`` ROI computed from the per-draw contributions."""
    total = media_draws(fit).sum(axis=1) / fit.data.spend.sum(axis=0)
    return _per_channel(fit, total, "roi")


def contribution_totals(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, channel)`` total contribution over the window."""
    return _per_channel(fit, media_draws(fit).sum(axis=1), "contribution")


def roi_table(
    fit: MMMFit,
    ci_prob: float | None = None,
    mroi: xr.DataArray | None = None,
    contrib: xr.DataArray | None = None,
) -> pd.DataFrame:
    """One row per channel: ``channel, spend, contribution_mean, roi_mean, roi_median,
    roi_lower, roi_upper, mroi_mean, mroi_lower, mroi_upper`` (equal-tailed intervals with
    probability ``ci_prob``). Precomputed draws may be passed: ``mroi`` from
    :func:`~bayes_mmm.mroi_draws`, ``contrib`` from :func:`~bayes_mmm.contributions`."""
    spend = fit.data.spend.sum(axis=0)
    if contrib is None:
        contrib = contribution_totals(fit)
    else:
        contrib = contrib.sel({D.COMPONENT: list(fit.data.channels)}).sum(D.DATE, skipna=False)
        contrib = contrib.rename({D.COMPONENT: D.CHANNEL}).rename("contribution")
    roi = summarise(contrib / xr.DataArray(spend, dims=D.CHANNEL), ci_prob, median=True)
    marginal = summarise(mroi_draws(fit) if mroi is None else mroi, ci_prob)
    return pd.DataFrame(
        {
            "channel": list(fit.data.channels),
            "spend": spend,
            "contribution_mean": contrib.mean(D.SAMPLE_DIMS).values,
            "roi_mean": roi["mean"].values,
            "roi_median": roi["median"].values,
            "roi_lower": roi["lower"].values,
            "roi_upper": roi["upper"].values,
            "mroi_mean": marginal["mean"].values,
            "mroi_lower": marginal["lower"].values,
            "mroi_upper": marginal["upper"].values,
        }
    )
