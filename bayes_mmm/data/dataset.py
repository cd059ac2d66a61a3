"""MMMData: a validated table of dates, outcome, channel spend and controls."""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data import calendar as cal
from bayes_mmm.data.geo import NATIONAL, Panel, validate_geo_frame
from bayes_mmm.data.inputs import MediaInputs, geo_media, media_arrays
from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.data.problems import DataWarning
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
    exposure: Mapping[str, str] | None = None,
    organic: Sequence[str] = (),
    revenue_per_kpi: float | str | None = None,
    holidays: str | None = None,
    events: str | Path | pd.DataFrame | None = None,
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
    ``exposure`` ``{spend column: exposure column}``, ``organic`` (exposure columns without
    spend) and ``revenue_per_kpi`` (a number or a column): see :mod:`bayes_mmm.data.inputs`.
    ``holidays`` (a country code, e.g. ``"DE"``) and ``events`` (a CSV or table ``date, name
    [, end]``) add calendar controls (:mod:`bayes_mmm.data.calendar`).
    ``min_rows`` defaults to what the model of ``spec`` (default spec if None) needs for this
    many channels and controls; ``lift_tests``: see :meth:`MMMData.with_lift_tests`. Raises
    :class:`DataValidationError` listing every problem.
    """
    model_spec = spec or ModelSpec()
    media = _media_inputs(model_spec, channels, exposure, organic, revenue_per_kpi)
    holidays = holidays or model_spec.holidays
    events = events if events is not None else model_spec.events
    controls = list(controls)
    declared = list(dict.fromkeys([*categorical, *getattr(model_spec, "categorical", ())]))
    n_media = len(media.modeled)
    if min_rows is None:

        def min_rows(span, period, n_controls):
            return model_spec.required_rows(n_media, n_controls, span, period)

    if geo is not None:
        return _from_geo_frame(df, geo, population, align, media, lift_tests, holidays, events,
                               date=date, target=target, channels=channels, controls=controls,
                               min_rows=min_rows, unit=unit, categorical=declared,
                               date_format=date_format, freq=freq, start_date=start_date,
                               allow_negative_target=allow_negative_target)  # fmt: skip
    if population is not None:
        raise DataValidationError(
            [f"population column '{population}' given without a geo column (--geo, geo=)"]
        )
    early = media.declaration_problems(list(df.columns))
    early += media.value_problems(df, unit) if not early else []
    try:
        checked = validate_frame(
            df,
            date=date,
            target=target,
            channels=media.columns,
            controls=controls,
            min_rows=min_rows,
            unit=unit,
            categorical=declared,
            date_format=date_format,
            freq=freq,
            start_date=start_date,
            allow_negative_target=allow_negative_target,
            negative_labels=media.negative_labels(),
        )
    except DataValidationError as err:
        raise DataValidationError(early + err.problems) from None
    if early:
        raise DataValidationError(early)
    clean = checked.frame
    n = len(clean)
    col = media.revenue_column()
    revenue = None if col is None else pd.to_numeric(df.loc[checked.lines, col])
    arrays = media_arrays(media, clean, revenue)
    data = MMMData(
        dates=pd.DatetimeIndex(clean[date], name=D.DATE),
        target=clean[target].to_numpy(float),
        spend=arrays.spend,
        # C order, as when read back from a saved fit, so that sums are bit-identical
        controls=np.ascontiguousarray(
            clean[checked.controls].to_numpy(float).reshape(n, len(checked.controls))
        ),
        channels=tuple(media.modeled),
        control_names=tuple(checked.controls),
        target_name=target,
        date_name=date,
        period_days=checked.period_days,
        categorical=checked.categorical,
        periods=checked.periods,
        exposure=dict(media.exposure),
        organic=tuple(media.organic),
        paid_spend=arrays.paid_spend,
        cost_per_unit=arrays.cost_per_unit,
        revenue_per_kpi=arrays.revenue_per_kpi,
    )
    return with_calendar(data, holidays, events).with_lift_tests(lift_tests)


def _media_inputs(
    spec: ModelSpec,
    channels: Sequence[str],
    exposure: Mapping[str, str] | None,
    organic: Sequence[str],
    revenue_per_kpi: float | str | None,
) -> MediaInputs:
    """How the media columns are read: the arguments, else the spec's input fields."""
    return MediaInputs(
        tuple(channels),
        {**spec.media_exposure, **(exposure or {})},
        tuple(organic) or spec.organic,
        spec.revenue_per_kpi if revenue_per_kpi is None else revenue_per_kpi,
    )


def with_calendar(
    data: MMMData, holidays: str | None = None, events: str | Path | pd.DataFrame | None = None
) -> MMMData:
    """``data`` with holiday and event controls appended (:mod:`bayes_mmm.data.calendar`)."""
    if holidays is None and events is None:
        return data
    extra, info = [], {"period_rule": cal.PERIOD_RULE}
    if holidays is not None:
        table = cal.holiday_controls(data.dates, data.period_days, holidays)
        info.update(holidays=str(holidays).upper(), holiday_periods=int((table > 0).sum().iloc[0]))
        if table[cal.HOLIDAY].any():
            extra.append(table)
        else:
            warnings.warn(
                f"no {holidays} holidays fall in the data's dates: no holiday control added",
                DataWarning,
                stacklevel=3,
            )
    if events is not None:
        table = cal.event_controls(data.dates, data.period_days, events)
        info["events"] = list(table.columns)
        extra.append(table)
    added = pd.concat(extra, axis=1) if extra else pd.DataFrame(index=data.dates)
    clash = [c for c in added.columns if c in data.control_names or c in data.channels]
    if clash:
        raise DataValidationError([f"calendar controls {clash} clash with columns of the data"])
    controls = np.ascontiguousarray(np.column_stack([data.controls, added.to_numpy(float)]))
    return dataclasses.replace(
        data,
        controls=controls,
        control_names=(*data.control_names, *added.columns),
        calendar=info,
    )


def _from_geo_frame(df, geo, population, align, media, lift_tests, holidays, events, **kw):
    """A long table (``geo=``) as MMMData, media inputs (exposure, organic, revenue per KPI)
    read per geo (:func:`bayes_mmm.data.inputs.geo_media`); holidays and events are not
    supported with geos yet (refused, before any work)."""
    if holidays or (events is not None):
        raise DataValidationError(
            ["holidays and events are not supported with geo data (--geo) yet: give them as "
             "control columns"]
        )  # fmt: skip
    early = media.declaration_problems(list(df.columns))
    early += media.value_problems(df, kw["unit"]) if not early else []
    kw.pop("channels")  # the media columns are read from media
    rev = media.revenue_column()
    try:
        panel = validate_geo_frame(df, geo=geo, population=population, align=align,
                                   channels=media.columns, carried=[rev] if rev else [],
                                   **kw)  # fmt: skip
    except DataValidationError as err:
        raise DataValidationError(early + err.problems) from None
    if early:
        raise DataValidationError(early)
    panel, arrays = geo_media(media, panel)
    data = from_panel(panel, geo, kw["date"], kw["target"], media.modeled)
    national = dict(
        paid_spend=None if panel.paid_spend is None else panel.paid_spend.sum(axis=0),
        cost_per_unit=arrays.cost_per_unit,
        exposure=dict(media.exposure),
        organic=tuple(media.organic),
        revenue_per_kpi=_national_revenue(panel),
    )
    return dataclasses.replace(data, **national).with_lift_tests(lift_tests)


def _national_revenue(panel: Panel) -> np.ndarray | None:
    """``(date,)`` national revenue per KPI: each geo's weighted by its outcome."""
    rpk = panel.revenue_per_kpi
    if rpk is None:
        return None
    weight = np.abs(panel.target)
    total = weight.sum(axis=0)
    mean = rpk.mean(axis=0)
    return np.where(total > 0, (rpk * weight).sum(axis=0) / np.where(total > 0, total, 1), mean)


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
    exposure: Mapping[str, str] | None = None,
    organic: Sequence[str] = (),
    revenue_per_kpi: float | str | None = None,
    holidays: str | None = None,
    events: str | Path | pd.DataFrame | None = None,
) -> MMMData:
    """Read and validate a CSV file (plain or gzip, UTF-8 or UTF-16; see
    :mod:`bayes_mmm.data.read`); problems name the file's line numbers. Options as
    :func:`from_frame`. Every problem, the file's included, raises
    :class:`DataValidationError` (never a pandas or codec error)."""
    df = read_table(path, "data file", max_bytes)
    sp = spec or ModelSpec()
    rpk = sp.revenue_per_kpi if revenue_per_kpi is None else revenue_per_kpi
    exposure_map = {**sp.media_exposure, **(exposure or {})}
    media = MediaInputs(tuple(channels), exposure_map, tuple(organic) or sp.organic, rpk)
    problems = check_columns(list(df.columns), date, target, media.columns, list(controls))
    problems += media.declaration_problems(list(df.columns)) if problems else []
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
        exposure=exposure,
        organic=organic,
        revenue_per_kpi=revenue_per_kpi,
        holidays=holidays,
        events=events,
    )
