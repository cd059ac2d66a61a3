"""The units the model works in, computed from MMMData, and conversions between them.

The model works in scaled units (outcome / mean outcome, spend / the channel's on-week mean
spend, centred-and-standardised controls, time in [0, 1] over the fit window); the scales are
stored with every fit so that any result returns to the user's units.

The spend unit is each channel's mean over the periods with positive spend ("on-week mean"):
for an always-on channel it is its mean over all periods, for a flighted one the typical spend
of a week it is on (several times its all-period mean). ``half_saturation`` and the saturation
logit (the Hill curve's logit at scaled spend 1) are in this unit; docs/defaults.md says why.
Half-saturations given in units of the all-period mean spend (the simulator's, and model files
of bayes_mmm before this unit, ``SPEND_UNIT``, was adopted) convert with
:func:`allweek_to_onweek`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.data.dataset import MMMData

SPEND_UNIT = "onweek_mean"  # stored with every fit (dims.ATTR_SPEND_UNIT), checked on loading


def onweek_mean(spend: np.ndarray) -> np.ndarray:
    """``(channel,)`` mean of each column of ``spend`` ``(date, channel)`` over its positive
    values; 1.0 for a column without any (validation refuses such channels)."""
    spend = np.asarray(spend, dtype=float)
    on = spend > 0
    n_on = on.sum(axis=0)
    total = np.where(on, spend, 0.0).sum(axis=0)
    return np.where(n_on > 0, total / np.maximum(n_on, 1), 1.0)


def allweek_share(spend: np.ndarray) -> np.ndarray:
    """``(channel,)`` all-period mean spend / on-week mean spend (the share of periods with
    spend; 1 for always-on channels)."""
    return np.asarray(spend, dtype=float).mean(axis=0) / onweek_mean(spend)


def allweek_to_onweek(half_saturation, spend: np.ndarray) -> np.ndarray:
    """Half-saturation ``(..., channel)`` in units of each channel's all-period mean spend
    (the simulator's truth) -> the model's unit, the on-week mean of ``spend``."""
    return np.asarray(half_saturation, dtype=float) * allweek_share(spend)


def onweek_to_allweek(half_saturation, spend: np.ndarray) -> np.ndarray:
    """Inverse of :func:`allweek_to_onweek`."""
    return np.asarray(half_saturation, dtype=float) / allweek_share(spend)


@dataclass(frozen=True)
class Scales:
    """Scales of the fit window; reused unchanged for predictions on other dates."""

    target: float  # mean |outcome|
    spend: np.ndarray  # (channel,) on-week mean spend: the model's unit of spend
    spend_mean: np.ndarray  # (channel,) mean spend over all periods ("current spend"), user units
    control_mean: np.ndarray  # (control,)
    control_sd: np.ndarray  # (control,)
    start: pd.Timestamp  # first date of the fit window (time 0)
    span_days: float  # first to last date of the fit window (time 1)

    @classmethod
    def from_data(cls, data: MMMData) -> Scales:
        c = data.controls
        return cls(
            target=float(np.mean(np.abs(data.target))),
            spend=onweek_mean(data.spend),
            spend_mean=data.spend.mean(axis=0),
            control_mean=c.mean(axis=0) if c.shape[1] else np.zeros(0),
            control_sd=c.std(axis=0) if c.shape[1] else np.zeros(0),
            start=pd.Timestamp(data.dates[0]),
            span_days=float(max((data.dates[-1] - data.dates[0]).days, 1)),
        )
