"""Geo-level (long-format) input: one row per geo and period, checked and laid out as a panel.

A long table has a geo column (``geo=``, ``--geo``) besides the date, target, channels and
controls, and optionally a population column (``population=``, constant within a geo) that
sets each geo's size for scaling. Every problem is reported together, naming the geo, the
dates and the rows, before any modeling:

- duplicate (geo, date) rows, a geo missing periods of the common calendar, geos whose date
  ranges differ (refused, or cut to the dates all geos share with ``align="intersect"``),
- a geo whose target is constant, a population that varies within a geo or is not positive,
- the value checks of national tables (numbers, negative spend, ...), with rows.

A channel that never spends in some geo is allowed (its effect there is zero) and said in a
:class:`DataWarning`. National (wide) tables have no geo column: they are one geo.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.data.dates import parse_time
from bayes_mmm.data.problems import DataValidationError, DataWarning, where
from bayes_mmm.data.validate import (
    _check_dates,
    _check_numeric,
    _check_target_sign,
    _check_variation,
    _controls,
    _option_problems,
    check_columns,
    negative_spend,
)

ALIGN = ("error", "intersect")
NATIONAL = "national"  # the label of the national total in outputs (and of a one-geo table)


@dataclass(frozen=True)
class Panel:
    """Checked geo data: arrays ``(geo, date, ...)`` over the common dates."""

    geos: tuple[str, ...]
    dates: pd.DatetimeIndex
    target: np.ndarray  # (geo, date)
    spend: np.ndarray  # (geo, date, channel)
    controls: np.ndarray  # (geo, date, control)
    control_names: tuple[str, ...]
    population: np.ndarray | None  # (geo,)
    period_days: int
    categorical: dict
    periods: dict | None
    # media inputs (bayes_mmm.data.inputs): money spend when ``spend`` holds exposure or
    # organic channels, revenue per KPI per geo and period; other numeric columns carried
    paid_spend: np.ndarray | None = None  # (geo, date, channel)
    revenue_per_kpi: np.ndarray | None = None  # (geo, date)
    values: Mapping[str, np.ndarray] = field(default_factory=dict)  # (geo, date) each


def _iso(dates) -> list[str]:
    return [pd.Timestamp(d).date().isoformat() for d in dates]


def geo_column_problems(df: pd.DataFrame, geo: str, population: str | None) -> list[str]:
    """Problems with the geo and population columns themselves."""
    problems = []
    for role, name in (("geo", geo), ("population", population)):
        if name is not None and name not in df.columns:
            problems.append(f"{role} column '{name}' is not in the table (columns: {list(df)})")
    if not problems and df[geo].isna().any():
        problems.append(f"geo column '{geo}' is empty in {where(df.index[df[geo].isna()])}")
    return problems


def _duplicates(frame: pd.DataFrame, geo: str, date: str, unit: str) -> list[str]:
    dup = frame.duplicated([geo, date], keep=False) & frame[date].notna()
    problems = []
    for g, rows in frame[dup].groupby(geo, sort=True):
        problems.append(
            f"geo '{g}' has duplicate (geo, date) rows: dates "
            f"{', '.join(sorted(set(_iso(rows[date]))))} in {where(rows.index, unit=unit)}"
        )
    return problems


def _calendar(frame: pd.DataFrame, geo: str, date: str, align: str, unit: str):
    """Common dates, period, problems and the frame cut to the common dates."""
    uniq = pd.Series(pd.DatetimeIndex(frame[date].dropna().unique()).sort_values())
    period, problems = _check_dates(uniq, date, "date")
    if period is None or problems:
        return None, period, problems, frame
    ranges = frame.groupby(geo, sort=True)[date].agg(["min", "max", "count"])
    first, last = ranges["min"].max(), ranges["max"].min()
    differ = ranges[(ranges["min"] != ranges["min"].min()) | (ranges["max"] != ranges["max"].max())]
    if len(differ) and align == "error":
        listed = "; ".join(
            f"'{g}' {r['min'].date()} to {r['max'].date()}" for g, r in differ.iterrows()
        )
        problems.append(
            f"geos cover different date ranges (all geos: {ranges['min'].min().date()} to "
            f"{ranges['max'].max().date()}; differing: {listed}); keep only the dates all geos "
            "share with --align intersect (Python: align='intersect')"
        )
    elif len(differ):
        if first > last:
            return None, period, ["the geos share no dates: nothing is left to align"], frame
        warnings.warn(
            f"geos cover different date ranges: kept the {first.date()} to {last.date()} all "
            f"geos share (--align intersect); {len(differ)} geo(s) lost periods",
            DataWarning,
            stacklevel=4,
        )
        frame = frame[(frame[date] >= first) & (frame[date] <= last)]
    grid = pd.date_range(first, last, freq=f"{period}D")
    for g, dates in frame.groupby(geo, sort=True)[date]:
        missing = grid.difference(pd.DatetimeIndex(dates))
        if len(missing):
            problems.append(
                f"geo '{g}' is missing {len(missing)} period(s): "
                f"{where(_iso(missing), unit='date')}; add those rows (zero spend if nothing ran)"
            )
    return grid, period, problems, frame


def _per_geo_values(frame, geo: str, target: str, channels, population: str | None, date: str):
    """Constant target per geo, population per geo; warnings for channels off in a geo."""
    problems, pop = [], None
    for g, rows in frame.groupby(geo, sort=True):
        y = rows[target]
        finite = y[np.isfinite(y)]
        if len(finite) > 1 and finite.nunique() == 1:
            first, last = _iso([rows[date].min(), rows[date].max()])
            problems.append(
                f"geo '{g}': target column '{target}' is constant ({finite.iloc[0]:g} on every "
                f"date, {first} to {last}): nothing to explain in that geo; drop the geo"
            )
    for c in channels:
        off = [g for g, s in frame.groupby(geo, sort=True)[c] if (s.fillna(0) == 0).all()]
        if off and len(off) < frame[geo].nunique():
            warnings.warn(
                f"channel '{c}' never spends in geo(s) {off[:8]}{' ...' if len(off) > 8 else ''}: "
                "its effect there is zero",
                DataWarning,
                stacklevel=4,
            )
    if population is not None:
        stats = frame.groupby(geo, sort=True)[population].agg(["min", "max"])
        varies = stats[stats["min"] != stats["max"]]
        for g, r in varies.iterrows():
            problems.append(
                f"geo '{g}': population column '{population}' is not constant within the geo "
                f"(from {r['min']:g} to {r['max']:g}); give one population per geo"
            )
        bad = stats[~(stats["min"] > 0)]
        if len(bad):
            problems.append(
                f"population column '{population}' is not positive in geo(s) {list(bad.index)}"
            )
        pop = stats["max"].astype(float)  # by geo label: the panel puts it in its geo order
    return problems, pop


def _values(df, target, channels, population, unit, allow_negative, carried=()):
    out, problems = pd.DataFrame(index=df.index), []
    roles = [("target", target)] + [("channel", c) for c in channels]
    roles += [("population", population)] if population else []
    roles += [("value", c) for c in carried]
    for role, name in roles:
        values, found = _check_numeric(df[name], name, role, unit)
        problems += found
        out[name] = values
        if role == "channel":
            problems += negative_spend(values, name, unit)
            problems += _check_variation(values, name, role)
        elif role == "target":
            problems += _check_target_sign(values, name, unit, allow_negative)
    return out, problems


def validate_geo_frame(
    df: pd.DataFrame,
    *,
    geo: str,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
    population: str | None = None,
    align: str = "error",
    min_rows: int | Callable[[float | None, int, int], int] = 0,
    unit: str = "row",
    categorical: Sequence[str] = (),
    date_format: str | None = None,
    freq: str | None = None,
    start_date: str | None = None,
    allow_negative_target: bool = False,
    carried: Sequence[str] = (),
) -> Panel:
    """Check a long table (one row per geo and period) and lay it out as a :class:`Panel`.

    Options as :func:`bayes_mmm.data.validate.validate_frame`, plus ``geo``, ``population``
    and ``align`` (``"error"`` or ``"intersect"``); ``carried``: further numeric columns
    (checked for numbers only) laid out in ``Panel.values``. Raises ``DataValidationError`` listing
    every problem found, each naming its geo, dates and rows.
    """
    problems = check_columns(list(df.columns), date, target, list(channels), list(controls))
    problems += _option_problems(controls, categorical, freq, start_date)
    problems += geo_column_problems(df, geo, population)
    if align not in ALIGN:
        problems.append(f"align '{align}' is not one of {list(ALIGN)}")
    if problems:
        raise DataValidationError(problems)
    time = parse_time(
        df[date], date, unit, date_format=date_format, freq=freq, start_date=start_date
    )
    problems += time.problems
    frame = pd.DataFrame({geo: df[geo].astype(str), date: time.dates}, index=df.index)
    carried = [c for c in carried if c not in (target, *channels, population)]
    values, found = _values(df, target, channels, population, unit, allow_negative_target,
                            carried)  # fmt: skip
    encoded, encodings, found_c = _controls(df, controls, categorical, unit)
    problems += found + found_c
    frame = pd.concat([frame, values, encoded], axis=1)
    problems += _duplicates(frame, geo, date, unit)
    grid, period = None, None
    if not time.problems:
        grid, period, found, frame = _calendar(frame, geo, date, align, unit)
        problems += found
    found, pop = _per_geo_values(frame, geo, target, channels, population, date)
    problems += found
    if grid is not None and callable(min_rows):
        min_rows = min_rows(len(grid) * period, period, len(encoded.columns))
    if grid is not None and len(grid) < min_rows:
        problems.append(
            f"too few periods: {len(grid)} per geo, the model needs at least {min_rows} "
            "(fewer channels, controls or seasonality terms need fewer)"
        )
    if problems:
        raise DataValidationError(problems)
    return _panel(frame, grid, geo, date, target, channels, list(encoded.columns), pop, period,
                  encodings, time.periods, carried)  # fmt: skip


def natural_key(name) -> tuple:
    """Sort key of a geo label with its numbers read as numbers: Geo2 before Geo10."""
    parts = re.split(r"(\d+)", str(name))
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _panel(frame, grid, geo, date, target, channels, controls, pop, period, enc, periods, carried):
    geos = tuple(sorted(frame[geo].unique(), key=natural_key))
    order = frame[geo].map({g: i for i, g in enumerate(geos)})
    frame = frame.assign(_geo_order=order).sort_values(["_geo_order", date], kind="stable")
    n_g, n_t = len(geos), len(grid)

    def cube(names: list[str]) -> np.ndarray:
        return np.ascontiguousarray(frame[names].to_numpy(float).reshape(n_g, n_t, len(names)))

    return Panel(
        geos=geos,
        dates=pd.DatetimeIndex(grid, name="date"),
        target=cube([target])[..., 0],
        spend=cube(list(channels)),
        controls=cube(controls),
        control_names=tuple(controls),
        population=None if pop is None else pop.loc[list(geos)].to_numpy(),
        period_days=int(period),
        categorical=enc,
        periods=periods,
        values={c: cube([c])[..., 0] for c in carried},
    )
