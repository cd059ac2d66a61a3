"""MMMData: a validated table of dates, outcome, channel spend and controls."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data.geo import NATIONAL, Panel, validate_geo_frame
from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.data.read import MAX_FILE_BYTES, read_table
from bayes_mmm.data.validate import DataValidationError, check_columns, validate_frame
from bayes_mmm.model import dims as D
from bayes_mmm.model.spec import ModelSpec


@dataclass(frozen=True, eq=False)
class MMMData:
    """Validated model input. Build it with :func:`from_frame` or :func:`read_csv`.

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
            geo_name=self.geo_name,
            panel=panel,
        )

    def with_lift_tests(self, tests: LiftTests | pd.DataFrame | str | Path | None) -> MMMData:
        """The same data with lift tests (a table or CSV with columns ``channel, spend,
        delta_spend, lift, sigma``, see :mod:`bayes_mmm.data.lift`), validated against the
        channels; ``None`` removes them."""
        checked = None if tests is None else parse_lift_tests(tests, self.channels)
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
        if self.panel is not None:
            meta["geo"] = {"column": self.geo_name, "geos": list(self.geos)}
            if self.population is not None:
                meta["geo"]["population"] = self.population.tolist()
        return meta

    def meta_json(self) -> str:
        return json.dumps(self.meta())


def from_frame(
    df: pd.DataFrame,
    *,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
    spec: ModelSpec | None = None,
    min_rows: int | None = None,
    unit: str = "row",
    lift_tests: LiftTests | pd.DataFrame | str | Path | None = None,
    categorical: Sequence[str] = (),
    date_format: str | None = None,
    freq: str | None = None,
    start_date: str | None = None,
    allow_negative_target: bool = False,
    geo: str | None = None,
    population: str | None = None,
    align: str = "error",
) -> MMMData:
    """Validate a DataFrame and build :class:`MMMData`.

    ``geo`` names the geo column of a long table (one row per geo and period; see
    :mod:`bayes_mmm.data.geo`), ``population`` an optional column of each geo's population
    (constant within a geo), ``align="intersect"`` keeps the dates all geos share when their
    ranges differ. Without ``geo`` the table is national (one geo).

    ``date`` names the time column: dates in any common format (``date_format``, e.g.
    ``"%d.%m.%Y"``, when they are ambiguous), or whole period numbers 1, 2, 3 ... laid out
    weekly (``freq="D"``: daily) from ``start_date`` (default 2000-01-03).
    ``categorical``: controls to one-hot encode against their most frequent level (also the
    spec's ``categorical``; text columns with few levels are detected, with a DataWarning).
    A negative target is refused unless ``allow_negative_target``.
    ``min_rows`` defaults to what the model of ``spec`` (default spec if None) needs for this
    many channels and controls; ``lift_tests``: see :meth:`MMMData.with_lift_tests`. Raises
    :class:`DataValidationError` listing every problem.
    """
    channels, controls = list(channels), list(controls)
    model_spec = spec or ModelSpec()
    declared = list(dict.fromkeys([*categorical, *getattr(model_spec, "categorical", ())]))
    if min_rows is None:

        def min_rows(span, period, n_controls):
            return model_spec.required_rows(len(channels), n_controls, span, period)

    if geo is not None:
        panel = validate_geo_frame(
            df,
            geo=geo,
            date=date,
            target=target,
            channels=channels,
            controls=controls,
            population=population,
            align=align,
            min_rows=min_rows,
            unit=unit,
            categorical=declared,
            date_format=date_format,
            freq=freq,
            start_date=start_date,
            allow_negative_target=allow_negative_target,
        )
        return from_panel(panel, geo, date, target, channels).with_lift_tests(lift_tests)
    if population is not None:
        raise DataValidationError(
            [f"population column '{population}' given without a geo column (--geo, geo=)"]
        )
    checked = validate_frame(
        df,
        date=date,
        target=target,
        channels=channels,
        controls=controls,
        min_rows=min_rows,
        unit=unit,
        categorical=declared,
        date_format=date_format,
        freq=freq,
        start_date=start_date,
        allow_negative_target=allow_negative_target,
    )
    clean = checked.frame
    n = len(clean)

    def matrix(names: list[str]) -> np.ndarray:
        # C order, as when read back from a saved fit, so that sums are bit-identical
        return np.ascontiguousarray(clean[names].to_numpy(float).reshape(n, len(names)))

    return MMMData(
        dates=pd.DatetimeIndex(clean[date], name=D.DATE),
        target=clean[target].to_numpy(float),
        spend=matrix(channels),
        controls=matrix(checked.controls),
        channels=tuple(channels),
        control_names=tuple(checked.controls),
        target_name=target,
        date_name=date,
        period_days=checked.period_days,
        categorical=checked.categorical,
        periods=checked.periods,
    ).with_lift_tests(lift_tests)


def from_panel(panel: Panel, geo: str, date: str, target: str, channels: Sequence[str]) -> MMMData:
    """MMMData of checked geo data: national arrays are the totals over geos (controls:
    their mean over geos), the panel keeps each geo's."""
    return MMMData(
        dates=pd.DatetimeIndex(panel.dates, name=D.DATE),
        target=panel.target.sum(axis=0),
        spend=np.ascontiguousarray(panel.spend.sum(axis=0)),
        controls=np.ascontiguousarray(panel.controls.mean(axis=0)),
        channels=tuple(channels),
        control_names=panel.control_names,
        target_name=target,
        date_name=date,
        period_days=panel.period_days,
        categorical=panel.categorical,
        periods=panel.periods,
        geo_name=geo,
        panel=panel,
    )


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


def read_csv(
    path: str | Path,
    *,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
    spec: ModelSpec | None = None,
    min_rows: int | None = None,
    lift_tests: LiftTests | pd.DataFrame | str | Path | None = None,
    categorical: Sequence[str] = (),
    date_format: str | None = None,
    freq: str | None = None,
    start_date: str | None = None,
    allow_negative_target: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    geo: str | None = None,
    population: str | None = None,
    align: str = "error",
) -> MMMData:
    """Read and validate a CSV file (plain or gzip, UTF-8 or UTF-16; see
    :mod:`bayes_mmm.data.read`); problems name the file's line numbers. Options as
    :func:`from_frame`. Every problem, the file's included, raises
    :class:`DataValidationError` (never a pandas or codec error)."""
    df = read_table(path, "data file", max_bytes)
    problems = check_columns(list(df.columns), date, target, list(channels), list(controls))
    if problems:
        raise DataValidationError([f"data file '{path}': {p}" for p in problems])
    return from_frame(
        df,
        date=date,
        target=target,
        channels=channels,
        controls=controls,
        spec=spec,
        min_rows=min_rows,
        unit="line",
        lift_tests=lift_tests,
        categorical=categorical,
        date_format=date_format,
        freq=freq,
        start_date=start_date,
        allow_negative_target=allow_negative_target,
        geo=geo,
        population=population,
        align=align,
    )
