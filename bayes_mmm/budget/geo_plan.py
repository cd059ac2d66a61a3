"""Weekly plans of a geo fit in long format: one row per (geo, period) of the horizon, one
column per paid channel (spend), the geo and date columns named as in the data (``region``,
``week``, ...). ``optimize`` writes the recommended plan so (``plan.csv``) and
``scenario --plan`` reads it back (:func:`read_geo_plan`, every problem at once, each named
by column, lines and geo).

The periods of a plan continue the data's dates at its period; a plan's array is
``(geo, horizon, paid channel)`` with the geos and paid channels in the fit's order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.analysis.draws import future_dates
from bayes_mmm.data.problems import DataValidationError, where
from bayes_mmm.inference.fit import MMMFit


def spread(cells: np.ndarray, horizon: int, shape: np.ndarray | None = None) -> np.ndarray:
    """``(geo, horizon, channel)`` spend per period of cell totals ``(geo, channel)`` over
    ``horizon`` periods: flat, or following ``shape`` ``(horizon, channel)`` (each channel's
    weekly pattern, as the optimizer's ``shape``)."""
    cells = np.asarray(cells, dtype=float)
    shape = np.ones((horizon, cells.shape[1])) if shape is None else shape
    return cells[:, None, :] * (shape / shape.sum(axis=0))[None]


def plan_columns(fit: MMMFit) -> tuple[str, str]:
    """The geo and date columns of a plan: the data's own names (``geo``/``date`` if none)."""
    return fit.data.geo_name or "geo", fit.data.date_name or "date"


def paid_names(fit: MMMFit) -> list[str]:
    return list(fit.data.paid_channels)


def plan_table(fit: MMMFit, weekly: np.ndarray) -> pd.DataFrame:
    """A plan ``(geo, horizon, paid channel)`` as a long table: geo and date columns (the
    data's names; dates continuing the data's), then one column per paid channel."""
    weekly = np.asarray(weekly, dtype=float)
    n_g, h, n_c = weekly.shape
    geo_col, date_col = plan_columns(fit)
    frame = pd.DataFrame(weekly.reshape(n_g * h, n_c), columns=paid_names(fit))
    frame.insert(0, date_col, np.tile(future_dates(fit, h).strftime("%Y-%m-%d"), n_g))
    frame.insert(0, geo_col, np.repeat(list(fit.data.geos), h))
    return frame


# ---- reading a plan -------------------------------------------------------------------------
def _lines(index, unit: str) -> list:
    """Row labels as the user counts them: file lines (header = line 1) or table rows."""
    return [i + 2 if unit == "line" else i + 1 for i in index]


def _column_problems(frame: pd.DataFrame, fit: MMMFit) -> tuple[list[str], str | None, str | None]:
    """Missing and unknown columns; the geo and date columns found (None: absent)."""
    data, paid = fit.data, paid_names(fit)
    geo_col, date_col = plan_columns(fit)
    geo = next((c for c in (geo_col, "geo") if c in frame.columns), None)
    roles = {*data.channels, *data.control_names}  # a channel may be called 'date'
    date = next((c for c in (date_col, "date") if c in frame.columns and c not in roles), None)
    problems = []
    if geo is None:
        problems.append(f"no geo column: name it '{geo_col}' (as in the data) or 'geo'")
    missing = [c for c in paid if c not in frame.columns]
    if missing:
        problems.append(f"missing channel columns {missing}: give every paid channel's spend")
    organic = [c for c in frame.columns if c in data.organic]
    if organic:
        problems.append(f"columns {organic} are organic channels: they have no spend to plan")
    unknown = [c for c in frame.columns if c not in {geo, date, *paid, *organic}]
    if unknown:
        problems.append(
            f"unknown columns {unknown}: a plan has the columns '{geo_col}', '{date_col}' "
            f"(optional) and the paid channels {paid}"
        )
    return problems, geo, date


def _value_problems(frame: pd.DataFrame, fit: MMMFit, geos: pd.Series, unit: str) -> list[str]:
    """Spend that is not a number >= 0, per channel column, with its lines and geos."""
    problems = []
    for c in (c for c in paid_names(fit) if c in frame.columns):
        text = frame[c].astype(str).str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float)) | (values < 0).to_numpy()
        if bad.any():
            idx = np.flatnonzero(bad)
            labels = [f"{n} ({geos.iloc[i]})" for n, i in zip(_lines(idx, unit), idx, strict=True)]
            shown = where(labels, text.iloc[idx].tolist(), unit)
            problems.append(f"column '{c}': spend must be a number >= 0 at {shown}")
    return problems


def _geo_problems(geos: pd.Series, fit: MMMFit, unit: str, horizon: int | None) -> list[str]:
    """Unknown and missing geos; geos whose number of rows differs from the others'."""
    known, problems = [str(g) for g in fit.data.geos], []
    unknown = ~geos.isin(known)
    if unknown.any():
        idx = np.flatnonzero(unknown)
        shown = where(_lines(idx, unit), geos.iloc[idx].tolist(), unit)
        problems.append(f"unknown geos at {shown}; the fit's geos are {known[:8]}")
    missing = [g for g in known if g not in set(geos)]
    if missing:
        problems.append(f"geos {missing[:8]} have no rows: a plan gives every geo's spend")
    counts = geos[~unknown].value_counts()
    if counts.empty:
        return problems
    expected = horizon or int(counts.mode().max())
    for geo, n in counts.items():
        if n != expected:
            rows = where(_lines(np.flatnonzero(geos == geo), unit), unit=unit)
            problems.append(
                f"geo '{geo}' has {n} rows ({rows}), not {expected}"
                + (" (--horizon)" if horizon else " as most geos have")
            )
    if expected > fit.data.n_dates:
        problems.append(
            f"the plan covers {expected} periods, more than the data's {fit.data.n_dates}"
        )
    return problems


def _date_order(frame: pd.DataFrame, date: str, geos: pd.Series, unit: str):
    """Rows ordered by date within each geo; problems: unreadable dates, a date twice in a
    geo, geos whose dates differ from the first geo's."""
    dates = pd.to_datetime(frame[date].astype(str).str.strip(), errors="coerce")
    problems = []
    if dates.isna().any():
        idx = np.flatnonzero(dates.isna())
        problems.append(
            f"column '{date}': unreadable dates at {where(_lines(idx, unit), unit=unit)}"
        )
        return problems, None
    twice = dates.groupby(geos).transform(lambda d: d.duplicated(keep=False))
    if twice.any():
        idx = np.flatnonzero(twice)
        shown = ", ".join(sorted(set(geos.iloc[idx])))
        problems.append(f"column '{date}': a date given twice in geos {shown} at "
                        f"{where(_lines(idx, unit), unit=unit)}")  # fmt: skip
    sets = {g: frozenset(d) for g, d in dates.groupby(geos)}
    first = next(iter(sets.values()), frozenset())
    odd = [g for g, s in sets.items() if s != first]
    if odd and not twice.any():
        problems.append(f"column '{date}': geos {odd[:8]} have other dates than geo "
                        f"'{next(iter(sets))}': every geo plans the same periods")  # fmt: skip
    return problems, dates


def _read(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True)
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"plan file '{path}' does not exist")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _numbers(column: pd.Series) -> pd.Series:
    text = column.astype(str).str.strip() if column.dtype == object else column
    return pd.to_numeric(text, errors="coerce")


def read_geo_plan(
    source: str | Path | pd.DataFrame, fit: MMMFit, horizon: int | None = None
) -> np.ndarray:
    """A long plan (CSV path or table) as ``(geo, horizon, paid channel)`` spend per period.

    Columns: the geo (the data's own name, or ``geo``), the date (optional; rows are taken
    in date order within each geo), one per paid channel. Every geo of the fit, each with
    the same number of rows (``horizon`` when given). All problems are raised at once
    (:class:`~bayes_mmm.data.problems.DataValidationError`), each naming its column, lines
    (rows of a table) and geo.
    """
    unit = "row" if isinstance(source, pd.DataFrame) else "line"
    frame = _read(source)
    problems, geo, date = _column_problems(frame, fit)
    geos = frame[geo].astype(str).str.strip() if geo else pd.Series([""] * len(frame), dtype=str)
    if len(frame) == 0:
        problems.append("the plan has no rows: give one row per geo and future period")
    elif geo:
        problems += _geo_problems(geos, fit, unit, horizon)
    problems += _value_problems(frame, fit, geos, unit)
    dates = None
    if date and geo and len(frame):
        more, dates = _date_order(frame, date, geos, unit)
        problems += more
    if problems:
        name = "plan" if unit == "row" else f"plan file '{source}'"
        raise DataValidationError([f"{name}: {p}" for p in problems])
    position = geos.map({str(g): i for i, g in enumerate(fit.data.geos)}).to_numpy()
    within = np.arange(len(frame)) if dates is None else dates.to_numpy()
    order = np.lexsort((np.arange(len(frame)), within, position))
    paid = paid_names(fit)
    values = np.column_stack([_numbers(frame[c]).to_numpy(dtype=float) for c in paid])[order]
    return values.reshape(fit.data.n_geos, -1, len(paid))
