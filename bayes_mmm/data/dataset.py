"""Building :class:`MMMData` from a table or CSV file: validation, media inputs, calendar
controls and geo panels. The container itself is :mod:`bayes_mmm.data.mmmdata` (re-exported
here: ``bayes_mmm.data.dataset.MMMData``)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data import calendar as cal
from bayes_mmm.data.geo import Panel, validate_geo_frame
from bayes_mmm.data.inputs import MediaInputs, geo_media, media_arrays
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.data.mmmdata import MMMData
from bayes_mmm.data.problems import DataWarning
from bayes_mmm.data.read import MAX_FILE_BYTES, read_table
from bayes_mmm.data.validate import DataValidationError, Validated, check_columns, validate_frame
from bayes_mmm.model import dims as D
from bayes_mmm.model.spec import ModelSpec


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
    if min_rows is None:
        min_rows = _required_rows(model_spec, len(media.modeled))
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
    early = _media_problems(media, df, unit)
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
    data = _national_data(df, checked, media, date, target)
    return with_calendar(data, holidays, events).with_lift_tests(lift_tests)


def _required_rows(spec: ModelSpec, n_media: int) -> Callable[[float | None, int, int], int]:
    """The rows the model of ``spec`` needs, as a function of (span, period, n controls)."""

    def min_rows(span: float | None, period: int, n_controls: int) -> int:
        return spec.required_rows(n_media, n_controls, span, period)

    return min_rows


def _media_problems(media: MediaInputs, df: pd.DataFrame, unit: str) -> list[str]:
    """Problems with the media inputs' declarations, else with their values."""
    early = media.declaration_problems(list(df.columns))
    return early + (media.value_problems(df, unit) if not early else [])


def _national_data(
    df: pd.DataFrame, checked: Validated, media: MediaInputs, date: str, target: str
) -> MMMData:
    """MMMData of a checked national table, media arrays read from its media inputs."""
    clean = checked.frame
    n = len(clean)
    col = media.revenue_column()
    revenue = None if col is None else pd.to_numeric(df.loc[checked.lines, col])
    arrays = media_arrays(media, clean, revenue)
    return MMMData(
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
    early = _media_problems(media, df, kw["unit"])
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
    media = _media_inputs(spec or ModelSpec(), channels, exposure, organic, revenue_per_kpi)
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
