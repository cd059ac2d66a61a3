"""MMMData: a validated table of dates, outcome, channel spend and controls (the container;
building it from a table is :mod:`bayes_mmm.data.dataset`)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data.geo import NATIONAL, Panel
from bayes_mmm.data.lift import LiftTests, parse_lift_tests, unspent_tests


@dataclass(frozen=True, eq=False)
class MMMData:
    """Validated model input. Build it with :func:`~bayes_mmm.data.dataset.from_frame` or
    :func:`~bayes_mmm.data.dataset.read_csv`.

    ``dates`` is always named ``date`` (the package's dimension name); ``date_name`` is the
    user's column. ``control_names`` are the controls as modeled: a categorical control
    appears as one 0/1 control per non-reference level (``events[event1]``), described in
    ``categorical`` (``{column: {"reference", "levels", "columns"}}``). ``periods`` is set
    when the time index was period numbers (``{"first", "freq", "start"}``).
    """

    dates: pd.DatetimeIndex
    target: np.ndarray  # (date,)
    spend: np.ndarray  # (date, channel)
    controls: np.ndarray  # (date, control)
    channels: tuple[str, ...]
    control_names: tuple[str, ...]
    target_name: str
    date_name: str
    period_days: int = 7
    lift_tests: LiftTests | None = None  # experiments' measured lifts (bayes_mmm.data.lift)
    categorical: Mapping[str, dict] = field(default_factory=dict)
    periods: dict | None = None
    # media inputs (bayes_mmm.data.inputs): exposure columns of paid channels, organic
    # channels, money spend when ``spend`` holds exposure, revenue per KPI per period
    exposure: Mapping[str, str] = field(default_factory=dict)
    organic: tuple[str, ...] = ()
    paid_spend: np.ndarray | None = None  # (date, channel); None: equal to ``spend``
    cost_per_unit: Mapping[str, float] = field(default_factory=dict)
    revenue_per_kpi: np.ndarray | None = None  # (date,)
    calendar: Mapping[str, object] = field(default_factory=dict)  # holidays/events used

    @property
    def money_spend(self) -> np.ndarray:
        """``(date, channel)`` spend in money (0 for organic channels); ``spend`` is the
        model's media input (spend-equivalent exposure for exposure channels)."""
        return self.spend if self.paid_spend is None else self.paid_spend

    @property
    def paid_channels(self) -> tuple[str, ...]:
        return tuple(c for c in self.channels if c not in self.organic)

    @property
    def paid_mask(self) -> np.ndarray:
        return np.array([c not in self.organic for c in self.channels])

    geo_name: str | None = None  # the user's geo column (long tables); None: national
    panel: Panel | None = None  # per-geo arrays (long tables); national arrays are their totals

    @property
    def geos(self) -> tuple[str, ...]:
        """The geos; a national table is one geo, ``("national",)``."""
        return self.panel.geos if self.panel is not None else (NATIONAL,)

    @property
    def n_geos(self) -> int:
        return len(self.geos)

    @property
    def geo_target(self) -> np.ndarray:
        """``(geo, date)`` outcome (national data: one geo)."""
        return self.panel.target if self.panel is not None else self.target[None]

    @property
    def geo_spend(self) -> np.ndarray:
        """``(geo, date, channel)`` spend (national data: one geo)."""
        return self.panel.spend if self.panel is not None else self.spend[None]

    @property
    def geo_controls(self) -> np.ndarray:
        """``(geo, date, control)`` controls (national data: one geo)."""
        return self.panel.controls if self.panel is not None else self.controls[None]

    @property
    def geo_money_spend(self) -> np.ndarray:
        """``(geo, date, channel)`` spend in money (0 for organic channels; national data:
        one geo); ``geo_spend`` is the model's media input."""
        if self.panel is None:
            return self.money_spend[None]
        return self.panel.spend if self.panel.paid_spend is None else self.panel.paid_spend

    @property
    def geo_revenue_per_kpi(self) -> np.ndarray | None:
        """``(geo, date)`` revenue per KPI when given (national data: one geo)."""
        if self.panel is None:
            return None if self.revenue_per_kpi is None else self.revenue_per_kpi[None]
        return self.panel.revenue_per_kpi

    @property
    def population(self) -> np.ndarray | None:
        """``(geo,)`` population when given, else None."""
        return self.panel.population if self.panel is not None else None

    @property
    def n_dates(self) -> int:
        return len(self.dates)

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def span_days(self) -> int:
        return int((self.dates[-1] - self.dates[0]).days) + self.period_days

    def to_frame(self) -> pd.DataFrame:
        """The data as a table with the user's column names (long, one row per geo and
        date, when the data have geos)."""
        if self.panel is not None:
            return _long_frame(self)
        df = pd.DataFrame({self.date_name: self.dates, self.target_name: self.target})
        for i, c in enumerate(self.channels):
            df[c] = self.spend[:, i]
        for i, c in enumerate(self.control_names):
            df[c] = self.controls[:, i]
        return df

    def slice(self, start: int, stop: int | None = None) -> MMMData:
        """Rows ``start:stop`` (positions), without re-validating."""
        sl = slice(start, stop)
        panel = self.panel
        if panel is not None:
            panel = dataclasses.replace(
                panel,
                dates=panel.dates[sl],
                target=panel.target[:, sl],
                spend=panel.spend[:, sl],
                controls=panel.controls[:, sl],
                paid_spend=None if panel.paid_spend is None else panel.paid_spend[:, sl],
                revenue_per_kpi=None
                if panel.revenue_per_kpi is None
                else panel.revenue_per_kpi[:, sl],
                values={k: v[:, sl] for k, v in panel.values.items()},
            )
        return MMMData(
            dates=self.dates[sl],
            target=self.target[sl],
            spend=self.spend[sl],
            controls=self.controls[sl],
            channels=self.channels,
            control_names=self.control_names,
            target_name=self.target_name,
            date_name=self.date_name,
            period_days=self.period_days,
            lift_tests=self.lift_tests,
            categorical=self.categorical,
            periods=self.periods,
            exposure=self.exposure,
            organic=self.organic,
            paid_spend=None if self.paid_spend is None else self.paid_spend[sl],
            cost_per_unit=self.cost_per_unit,
            revenue_per_kpi=None if self.revenue_per_kpi is None else self.revenue_per_kpi[sl],
            calendar=self.calendar,
            geo_name=self.geo_name,
            panel=panel,
        )

    def with_lift_tests(self, tests: LiftTests | pd.DataFrame | str | Path | None) -> MMMData:
        """The same data with lift tests (a table or CSV with columns ``channel, spend,
        delta_spend, lift, sigma``, see :mod:`bayes_mmm.data.lift`), validated against the
        channels; ``None`` removes them."""
        geos = self.geos if self.n_geos > 1 else None
        checked = None if tests is None else parse_lift_tests(tests, self.channels, geos,
                                                              self.geo_name)  # fmt: skip
        if checked is not None and geos is not None:
            unspent = unspent_tests(checked, self.geo_spend, self.channels, geos)
            if unspent:
                from bayes_mmm.data.problems import DataValidationError

                raise DataValidationError(unspent)
        return dataclasses.replace(self, lift_tests=checked)

    def meta(self) -> dict:
        """Column names and period, JSON-serialisable (stored with a fitted model)."""
        meta = {
            "channels": list(self.channels),
            "controls": list(self.control_names),
            "target": self.target_name,
            "date": self.date_name,
            "period_days": self.period_days,
        }
        if self.lift_tests:
            meta["lift_tests"] = self.lift_tests.to_records()
        if self.categorical:
            meta["categorical"] = {k: dict(v) for k, v in self.categorical.items()}
        if self.periods:
            meta["periods"] = dict(self.periods)
        for key in ("exposure", "cost_per_unit", "calendar"):
            if getattr(self, key):
                meta[key] = dict(getattr(self, key))
        if self.organic:
            meta["organic"] = list(self.organic)
        if self.panel is not None:
            meta["geo"] = {"column": self.geo_name, "geos": list(self.geos)}
            if self.population is not None:
                meta["geo"]["population"] = self.population.tolist()
        return meta

    def meta_json(self) -> str:
        return json.dumps(self.meta())


def _long_frame(data: MMMData) -> pd.DataFrame:
    """One row per geo and date, with the user's column names."""
    n_g, n_t = data.n_geos, data.n_dates
    df = pd.DataFrame(
        {
            data.geo_name: np.repeat(np.asarray(data.geos, dtype=object), n_t),
            data.date_name: np.tile(np.asarray(data.dates), n_g),
            data.target_name: data.geo_target.reshape(-1),
        }
    )
    for i, c in enumerate(data.channels):
        df[c] = data.geo_spend[..., i].reshape(-1)
    for i, c in enumerate(data.control_names):
        df[c] = data.geo_controls[..., i].reshape(-1)
    if data.population is not None:
        df["population"] = np.repeat(data.population, n_t)
    return df
