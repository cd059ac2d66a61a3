"""Internal scaling and model inputs (design arrays) computed from MMMData.

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
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.model.spec import YEAR_DAYS, ModelSpec
from bayes_mmm.transforms import lag_stack

EPOCH = pd.Timestamp("1970-01-01")
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


def time_index(dates: pd.DatetimeIndex, scales: Scales) -> np.ndarray:
    """Time in units of the fit window: 0 at its first date, 1 at its last."""
    return np.asarray((dates - scales.start).days, dtype=float) / scales.span_days


def fourier_names(yearly: int, weekly: int) -> list[str]:
    names = []
    for prefix, order in (("year", yearly), ("week", weekly)):
        for k in range(1, order + 1):
            names += [f"{prefix}_sin_{k}", f"{prefix}_cos_{k}"]
    return names


def fourier_basis(dates: pd.DatetimeIndex, yearly: int, weekly: int) -> np.ndarray:
    """``(date, fourier)`` sine/cosine pairs of the calendar (same for any window)."""
    days = np.asarray((dates - EPOCH).days, dtype=float)
    cols = []
    for period, order in ((YEAR_DAYS, yearly), (7.0, weekly)):
        for k in range(1, order + 1):
            angle = 2 * np.pi * k * days / period
            cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols) if cols else np.zeros((len(dates), 0))


@dataclass(frozen=True)
class LiftDesign:
    """Lift tests in the model's units: spend before (``x0``) and during (``x1``) the test in
    units of the channel's on-week mean spend, lift and its standard error / mean outcome."""

    # (lift_test, channel): 1 at the test's channel. A float matrix, not an integer index:
    # all model data are float64, as the compiled fast path (inference._compile) needs
    onehot: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    lift: np.ndarray
    sigma: np.ndarray
    labels: list[str]


def lift_design(tests: LiftTests, channels: tuple[str, ...], scales: Scales) -> LiftDesign:
    """Lift tests in the model's units (for the model's likelihood and its numpy twin)."""
    idx = tests.channel_index(channels)
    unit = scales.spend[idx]
    return LiftDesign(
        onehot=np.eye(len(channels))[idx],
        x0=tests.spend / unit,
        x1=(tests.spend + tests.delta_spend) / unit,
        lift=tests.lift / scales.target,
        sigma=tests.sigma / scales.target,
        labels=tests.labels(),
    )


@dataclass(frozen=True)
class Design:
    """Arrays the PyMC model reads, all in scaled units."""

    x_lagged: np.ndarray  # (lag, date, channel) spend / on-week mean spend
    spend_total: np.ndarray  # (channel,) total spend of the fit window, user units
    controls: np.ndarray  # (date, control) centred and standardised
    time: np.ndarray  # (date,) in [0, 1]
    fourier: np.ndarray  # (date, fourier)
    target: np.ndarray  # (date,) outcome / mean outcome
    fourier_names: list[str]
    lift: LiftDesign | None = None


def make_design(data: MMMData, spec: ModelSpec, scales: Scales | None = None) -> Design:
    """Model inputs for ``data``; ``scales`` defaults to the data's own (a fit window).

    With the scales of a fit window, ``data`` may be any other dates (e.g. a forecast): the
    seasonality terms are those of the fit window.
    """
    scales = scales or Scales.from_data(data)
    window_days = scales.span_days + data.period_days
    yearly, weekly = spec.fourier_orders(window_days, data.period_days)
    sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
    return Design(
        x_lagged=lag_stack(data.spend / scales.spend, spec.l_max),
        spend_total=data.spend.sum(axis=0),
        controls=(data.controls - scales.control_mean) / sd,
        time=time_index(data.dates, scales),
        fourier=fourier_basis(data.dates, yearly, weekly),
        target=data.target / scales.target,
        fourier_names=fourier_names(yearly, weekly),
        lift=lift_design(data.lift_tests, data.channels, scales) if data.lift_tests else None,
    )
