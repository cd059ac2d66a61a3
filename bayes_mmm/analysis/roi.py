"""ROI per channel and draw: modeled contribution over the data window / spend over the window."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from bayes_mmm import dims as D
from bayes_mmm.analysis.contributions import media_draws
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.fit import MMMFit
from bayes_mmm.idata import unstack


def roi_draws(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, channel)`` ROI computed from the per-draw contributions."""
    total = media_draws(fit).sum(axis=1) / fit.data.spend.sum(axis=0)
    da = unstack(total, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    return da.rename("roi")


def contribution_totals(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, channel)`` total contribution over the window."""
    total = media_draws(fit).sum(axis=1)
    da = unstack(total, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    return da.rename("contribution")


def roi_table(fit: MMMFit, ci_prob: float = 0.90) -> pd.DataFrame:
    """One row per channel: ``channel, spend, contribution_mean, roi_mean, roi_median,
    roi_lower, roi_upper`` (equal-tailed interval with probability ``ci_prob``)."""
    roi = summarise(roi_draws(fit), ci_prob, median=True)
    contrib = contribution_totals(fit).mean(D.SAMPLE_DIMS)
    return pd.DataFrame(
        {
            "channel": list(fit.data.channels),
            "spend": fit.data.spend.sum(axis=0),
            "contribution_mean": contrib.values,
            "roi_mean": roi["mean"].values,
            "roi_median": roi["median"].values,
            "roi_lower": roi["lower"].values,
            "roi_upper": roi["upper"].values,
        }
    )
