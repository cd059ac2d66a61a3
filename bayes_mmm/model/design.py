"""The model's inputs (design arrays) computed from MMMData in the model's units
(:mod:`bayes_mmm.data.scaling`). Each array's dims are named in ``Design.DIMS``: the builder
and the forward model read them from there, so a new axis (e.g. ``geo``) is one entry here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import pandas as pd

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.data.scaling import Scales
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.window_lift import WindowDesign, window_design
from bayes_mmm.model.spec import YEAR_DAYS, ModelSpec

EPOCH = pd.Timestamp("1970-01-01")


def lag_stack(x: np.ndarray, l_max: int) -> np.ndarray:
    """``(lag, date, channel)``: ``out[l, t] = x[t - l]`` with zeros before the first date."""
    x = np.asarray(x, dtype=float)
    out = np.zeros((l_max, *x.shape))
    for lag in range(min(l_max, x.shape[0])):
        out[lag, lag:] = x[: x.shape[0] - lag]
    return out


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
    """Arrays the PyMC model reads, all in scaled units (dims in ``DIMS``)."""

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "x_lagged": (D.LAG, D.DATE, D.CHANNEL),
        "spend_total": (D.CHANNEL,),
        "controls": (D.DATE, D.CONTROL),
        "time": (D.DATE,),
        "fourier": (D.DATE, D.FOURIER),
        "target": (D.DATE,),
    }

    x_lagged: np.ndarray  # (lag, date, channel) spend / on-week mean spend
    spend_total: np.ndarray  # (channel,) total spend of the fit window, user units
    controls: np.ndarray  # (date, control) centred and standardised
    time: np.ndarray  # (date,) in [0, 1]
    fourier: np.ndarray  # (date, fourier)
    target: np.ndarray  # (date,) outcome / mean outcome
    fourier_names: list[str]
    lift: LiftDesign | None = None  # steady-state lift tests
    window: WindowDesign | None = None  # windowed lift tests (components.window_lift)
    span_weeks: float = 1.0  # length of the fit window in weeks (smooth baseline's unit)
    # (day, fourier): the seasonal terms daily over the fit window, whatever dates the design
    # is for (the smooth baseline is orthogonal to them: components/smooth.py)
    window_fourier: np.ndarray | None = None


def test_designs(
    tests: LiftTests | None, channels: tuple[str, ...], scales: Scales, n_lags: int
) -> tuple[LiftDesign | None, WindowDesign | None]:
    """The steady-state and the windowed lift tests in the model's units (either ``None``)."""
    if not tests:
        return None, None
    labels, windowed = np.array(tests.labels()), tests.windowed
    lift = window = None
    if (~windowed).any():
        steady = lift_design(tests.subset(~windowed), channels, scales)
        lift = replace(steady, labels=list(labels[~windowed]))
    if windowed.any():
        sub = tests.subset(windowed)
        window = window_design(sub, list(labels[windowed]), channels, scales, n_lags)
    return lift, window


def make_design(data: MMMData, spec: ModelSpec, scales: Scales | None = None) -> Design:
    """Model inputs for ``data``; ``scales`` defaults to the data's own (a fit window).

    With the scales of a fit window, ``data`` may be any other dates (e.g. a forecast): the
    seasonality terms are those of the fit window.
    """
    scales = scales or Scales.from_data(data)
    window_days = scales.span_days + data.period_days
    yearly, weekly = spec.fourier_orders(window_days, data.period_days)
    sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
    lift, window = test_designs(data.lift_tests, data.channels, scales, spec.n_lags)
    return Design(
        x_lagged=lag_stack(data.spend / scales.spend, spec.n_lags),
        spend_total=data.spend.sum(axis=0),
        controls=(data.controls - scales.control_mean) / sd,
        time=time_index(data.dates, scales),
        fourier=fourier_basis(data.dates, yearly, weekly),
        target=data.target / scales.target,
        fourier_names=fourier_names(yearly, weekly),
        lift=lift,
        window=window,
        span_weeks=scales.span_days / 7.0,
        window_fourier=window_fourier(scales, yearly, weekly),
    )


def window_fourier(scales: Scales, yearly: int, weekly: int) -> np.ndarray:
    """The seasonal terms on a daily grid over the fit window ``(day, fourier)`` (``scales``:
    national or geo scales; only their ``start`` and ``span_days`` are read)."""
    days = pd.date_range(scales.start, periods=round(scales.span_days) + 1, freq="D")
    return fourier_basis(days, yearly, weekly)
