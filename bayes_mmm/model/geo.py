"""The geo model's units and inputs: per-geo scales and the design arrays ``(geo, date, ...)``.

Units (each geo in its own outcome scale, spend in a unit shared across geos so that the
adstock and saturation shapes can be shared):

- outcome of geo ``g`` / its mean outcome ``target_g``;
- spend of channel ``c`` in geo ``g`` / (``size_g * spend_c``): ``size_g`` is the geo's
  population relative to the mean population when given, else its mean outcome relative to
  the mean over geos (a size proxy); ``spend_c`` is the on-week mean of spend per unit of size
  over all geos and dates. With one geo both reduce to the national units
  (:mod:`bayes_mmm.data.scaling`);
- controls centred and standardised over all geos and dates; time in [0, 1] over the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.scaling import Scales, onweek_mean
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.window_lift import Member, WindowDesign, rows_design
from bayes_mmm.model.design import (
    LiftDesign,
    fourier_basis,
    fourier_names,
    lag_stack,
    test_designs,
    window_fourier,
)
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

ROI_GEO, ROI_GEO_SD, ROI_GEO_Z = D.ROI_GEO, D.ROI_GEO_SD, D.ROI_GEO_Z
TREND_GEO_SD, TREND_GEO_Z = D.TREND_GEO_SD, D.TREND_GEO_Z
SEASON_GEO_SD, SEASON_GEO_Z = D.SEASON_GEO_SD, D.SEASON_GEO_Z

# The spreads of trend and seasonal amplitude get boundary-avoiding Gamma(2, .) priors (mode
# at half the mean): regions' trends and seasons are never exactly equal, and a HalfNormal's
# mass at zero made these weakly informed spreads the slowest-mixing parameters (trend_geo_sd
# bulk ESS ~500, r_hat up to 1.012 on 8 geos x 104 weeks; with Gamma: ~1000, 1.001).
# The ROI spread keeps a HalfNormal: equal ROI in every geo stays a possibility.
GEO_PRIORS: dict[str, Prior] = {
    ROI_GEO_SD: Prior("HalfNormal", sigma=0.3),
    TREND_GEO_SD: Prior("Gamma", alpha=2.0, beta=40.0),  # mean 0.05 of the mean outcome
    SEASON_GEO_SD: Prior("Gamma", alpha=2.0, beta=10.0),  # log amplitude, mean 0.2
}


@dataclass(frozen=True)
class GeoScales:
    """Scales of a geo fit window (see the module docstring)."""

    target: np.ndarray  # (geo,) mean |outcome| of each geo
    size: np.ndarray  # (geo,) relative size (mean 1)
    spend: np.ndarray  # (channel,) on-week mean spend per unit of size
    control_mean: np.ndarray  # (control,)
    control_sd: np.ndarray  # (control,)
    start: pd.Timestamp
    span_days: float

    @classmethod
    def from_data(cls, data: MMMData) -> GeoScales:
        target = np.mean(np.abs(data.geo_target), axis=1)
        base = data.population if data.population is not None else target
        size = base / base.mean()
        per_size = data.geo_spend / size[:, None, None]
        c = data.geo_controls.reshape(data.n_geos * data.n_dates, len(data.control_names))
        return cls(
            target=target,
            size=size,
            spend=onweek_mean(per_size.reshape(-1, data.n_channels)),
            control_mean=c.mean(axis=0) if c.shape[1] else np.zeros(0),
            control_sd=c.std(axis=0) if c.shape[1] else np.zeros(0),
            start=pd.Timestamp(data.dates[0]),
            span_days=float(max((data.dates[-1] - data.dates[0]).days, 1)),
        )

    def spend_unit(self) -> np.ndarray:
        """``(geo, channel)`` the model's unit of spend in each geo (user units)."""
        return self.size[:, None] * self.spend[None, :]

    def media_scales(self) -> Scales:
        """Scales for :class:`bayes_mmm.model.forward.Forward` on spend per unit of size."""
        zeros = np.zeros(0)
        return Scales(1.0, self.spend, self.spend, zeros, zeros, self.start, self.span_days)


@dataclass(frozen=True)
class GeoDesign:
    """Arrays the geo model reads, in scaled units (dims in ``DIMS``)."""

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "x_lagged": (D.LAG, D.GEO, D.DATE, D.CHANNEL),
        "spend_total": (D.GEO, D.CHANNEL),
        "controls": (D.GEO, D.DATE, D.CONTROL),
        "time": (D.DATE,),
        "fourier": (D.DATE, D.FOURIER),
        "target": (D.GEO, D.DATE),
        "target_scale": (D.GEO,),
    }

    x_lagged: np.ndarray
    spend_total: np.ndarray  # (geo, channel) user units
    controls: np.ndarray
    time: np.ndarray
    fourier: np.ndarray
    target: np.ndarray
    target_scale: np.ndarray
    fourier_names: list[str]
    lift: LiftDesign | None = None  # steady-state lift tests (national data only)
    window: WindowDesign | None = None  # windowed lift tests (rows per tested geo)
    span_weeks: float = 1.0  # length of the fit window in weeks (smooth baseline's unit)
    window_fourier: np.ndarray | None = None  # seasonal terms over the window, daily grid

    @property
    def national(self) -> bool:
        """One geo: the model's variables and data carry no geo axis."""
        return self.target.shape[0] == 1

    def dims(self, key: str) -> tuple[str, ...]:
        """Dims of design array ``key`` as the model names it (no geo axis for one geo)."""
        return tuple(d for d in self.DIMS[key] if not (self.national and d == D.GEO))

    def values(self, key: str) -> np.ndarray:
        """Design array ``key`` as the model holds it (the geo axis dropped for one geo)."""
        values = np.asarray(getattr(self, key), dtype="float64")
        if self.national:
            values = values.take(0, axis=self.DIMS[key].index(D.GEO))
        return values


def make_geo_design(data: MMMData, spec: ModelSpec, scales: GeoScales | None = None) -> GeoDesign:
    """Geo model inputs for ``data`` (scales default to the data's own)."""
    scales = scales or GeoScales.from_data(data)
    yearly, weekly = spec.fourier_orders(scales.span_days + data.period_days, data.period_days)
    x = data.geo_spend / scales.spend_unit()[:, None, :]
    sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
    time = np.asarray((data.dates - scales.start).days, dtype=float) / scales.span_days
    return GeoDesign(
        x_lagged=np.stack([lag_stack(xg, spec.n_lags) for xg in x], axis=1),
        spend_total=data.geo_spend.sum(axis=1),
        controls=(data.geo_controls - scales.control_mean) / sd,
        time=time,
        fourier=fourier_basis(data.dates, yearly, weekly),
        target=data.geo_target / scales.target[:, None],
        target_scale=scales.target,
        fourier_names=fourier_names(yearly, weekly),
        **dict(zip(("lift", "window"), _tests(data, scales, spec.n_lags), strict=True)),
        span_weeks=scales.span_days / 7.0,
        window_fourier=window_fourier(scales, yearly, weekly),
    )


def _tests(data: MMMData, scales: GeoScales, n_lags: int):
    """Steady-state and windowed lift tests in the model's units (geo data: windowed only,
    each test's rows per tested geo, :func:`geo_window_design`)."""
    if not data.lift_tests:
        return None, None
    if data.n_geos > 1:
        return None, geo_window_design(data, scales, n_lags)
    national = Scales(float(scales.target[0]), scales.spend, scales.spend, scales.control_mean,
                      scales.control_sd, scales.start, scales.span_days)  # fmt: skip
    return test_designs(data.lift_tests, data.channels, national, n_lags)


def tested_geos(data: MMMData, tests, i: int) -> tuple[list[int], np.ndarray]:
    """The geos (indices) test ``i`` of ``tests`` ran in, and each one's share of the test's
    spend: its share of the channel's spend in the data among the tested geos."""
    geos, c = list(data.geos), data.channels.index(tests.channel[i])
    idx = [geos.index(g) for g in tests.geos_of(i, data.geos)]
    spent = data.geo_spend[idx, :, c].sum(axis=1)
    share = spent / spent.sum() if spent.sum() > 0 else np.full(len(idx), 1.0 / len(idx))
    return idx, share


def _members(data: MMMData, scales: GeoScales, i: int) -> list[Member]:
    """Test ``i``'s rows per tested geo: cell, spend unit, spend share and outcome scale
    relative to the tested geos' total."""
    idx, share = tested_geos(data, data.lift_tests, i)
    c = data.channels.index(data.lift_tests.channel[i])
    unit, target = scales.spend_unit(), scales.target[idx]
    return [Member(g * data.n_channels + c, float(unit[g, c]), float(s), float(t / target.sum()))
            for g, s, t in zip(idx, share, target, strict=True)]  # fmt: skip


def geo_window_design(data: MMMData, scales: GeoScales, n_lags: int) -> WindowDesign:
    """Windowed tests of geo data: a test's lift is the sum over its geos, in the tested
    geos' total outcome scale."""
    tests = data.lift_tests
    members = [_members(data, scales, i) for i in range(len(tests))]
    scale = np.array([scales.target[tested_geos(data, tests, i)[0]].sum()
                      for i in range(len(tests))])  # fmt: skip
    n_cells = data.n_geos * data.n_channels
    return rows_design(tests, tests.labels(), members, n_cells, scale, n_lags)
