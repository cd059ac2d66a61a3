"""Contributions over time of every component, per posterior draw, in the user's units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm import dims as D
from bayes_mmm import predict
from bayes_mmm.analysis.summary import summarise, to_frame
from bayes_mmm.fit import MMMFit


def media_draws(fit: MMMFit) -> np.ndarray:
    """Channel contributions ``(sample, date, channel)`` over the fit window."""
    return predict.media(fit, fit.data.spend)


def contributions(fit: MMMFit) -> xr.DataArray:
    """``(chain, draw, date, component)``: baseline, trend, seasonality, each control, each
    channel over the fit window. Components sum to the model's mean prediction, draw by draw."""
    return predict.components(fit, fit.data)


def prediction(fit: MMMFit) -> xr.DataArray:
    """Mean prediction ``(chain, draw, date)``: the sum of all components."""
    return contributions(fit).sum(D.COMPONENT).rename("mu")


def contributions_table(fit: MMMFit, ci_prob: float = 0.90) -> pd.DataFrame:
    """Long table ``date, component, mean, lower, upper``."""
    return to_frame(summarise(contributions(fit), ci_prob))
