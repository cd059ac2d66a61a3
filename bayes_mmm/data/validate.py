"""Input checks: every problem in a table is found and reported together, before any modeling.

Reading files is :mod:`bayes_mmm.data.read`, the time index :mod:`bayes_mmm.data.dates`,
categorical controls :mod:`bayes_mmm.data.categorical`; this module checks the values and
returns the cleaned table (:class:`Validated`).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.data import categorical as cat
from bayes_mmm.data.dates import FREQS, TimeIndex, parse_time
from bayes_mmm.data.problems import MAX_LISTED, DataValidationError, DataWarning, where
from bayes_mmm.data.trendcheck import warn_trend_like_controls

_where = where  # the name the lift-test checks use
NA_VALUES = ["", "NA", "NaN", "nan"]  # read as missing; nothing else is (e.g. "n/a" is text)
PERIOD_NAMES = {7: "weekly", 1: "daily"}
RESERVED = ("baseline", "trend", "seasonality")
MAX_ABS = 1e15  # larger magnitudes are unit mistakes (and overflow sums of squares)

__all__ = ["MAX_LISTED", "DataValidationError", "DataWarning", "Validated", "validate_frame"]


def _suggest(name: str, columns: Sequence[str]) -> str:
    """' (did you mean 'x'?)' for a close column name, else ''."""
    folded = {str(c).strip().casefold(): str(c) for c in columns}
    if name.strip().casefold() in folded:
        return f" (did you mean '{folded[name.strip().casefold()]}'?)"
    close = difflib.get_close_matches(name, [str(c) for c in columns], n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_columns(
    columns: Sequence[str], date: str, target: str, channels: Sequence[str], controls: Sequence[str]
) -> list[str]:
    """Problems with the column names asked for: missing, duplicated or used in two roles."""
    problems: list[str] = []
    if not channels:
        problems.append("no channel columns were given: name at least one spend column")
    cols = pd.Index(columns)
    dup_in_table = sorted({c for c in cols[cols.duplicated()]})
    for c in dup_in_table:
        problems.append(f"column name '{c}' appears more than once in the table")
    roles = [("date", date), ("target", target)]
    roles += [("channel", c) for c in channels] + [("control", c) for c in controls]
    seen: dict[str, str] = {}
    for role, name in roles:
        if role in ("channel", "control") and name in RESERVED:
            problems.append(
                f"{role} column '{name}' uses a name reserved for the model's own component; "
                "rename the column"
            )
        if name in seen:
            problems.append(f"column '{name}' is given twice (as {seen[name]} and as {role})")
        else:
            seen[name] = role
        if name not in cols:
            problems.append(
                f"{role} column '{name}' is not in the table{_suggest(name, list(cols))} "
                f"(columns: {list(cols)})"
            )
    return problems


def _check_numeric(raw: pd.Series, name: str, role: str, unit: str) -> tuple[pd.Series, list[str]]:
    problems = []
    values = pd.to_numeric(raw, errors="coerce")
    empty = raw.isna()
    non_numeric = values.isna() & ~empty
    if non_numeric.any():
        hint = cat.numeric_hint(raw[non_numeric])
        problems.append(
            f"{role} column '{name}' has non-numeric values in "
            f"{where(raw.index[non_numeric], raw[non_numeric], unit=unit)}{hint}"
        )
    nan = empty | (values.isna() & ~non_numeric)
    if nan.any():
        problems.append(
            f"{role} column '{name}' is missing (NaN) in {where(raw.index[nan], unit=unit)}"
        )
    values = values.astype(float)
    inf = np.isinf(values)
    if inf.any():
        problems.append(
            f"{role} column '{name}' has infinite values in {where(raw.index[inf], unit=unit)}"
        )
    huge = np.isfinite(values) & (values.abs() > MAX_ABS)
    if huge.any():
        problems.append(
            f"{role} column '{name}' has values beyond {MAX_ABS:.0e} in "
            f"{where(raw.index[huge], values[huge].tolist(), unit=unit)}: a unit mistake? "
            "Rescale the column (e.g. to thousands)"
        )
    return values, problems


def _check_dates(dates: pd.Series, name: str, unit: str) -> tuple[int | None, list[str]]:
    """Duplicates and gaps; returns the period in days (7 or 1) when the spacing is regular."""
    problems = []
    valid = dates.dropna()
    dup = valid.duplicated(keep=False)
    if dup.any():
        problems.append(
            f"date column '{name}' has duplicate dates in "
            f"{_where(valid.index[dup], [d.date().isoformat() for d in valid[dup]], unit=unit)}"
        )
    uniq = pd.DatetimeIndex(valid.drop_duplicates()).sort_values()
    if len(uniq) < 2:
        return None, problems
    steps = np.diff(uniq.values.astype("datetime64[s]").astype(np.int64)) / 86_400
    period = float(np.median(steps))
    if period not in PERIOD_NAMES:
        problems.append(
            f"date column '{name}' is neither weekly nor daily (typical spacing {period:g} days); "
            "aggregate the data to weeks or days"
        )
        return None, problems
    off = np.flatnonzero(steps != period)
    if off.size:
        freq = PERIOD_NAMES[int(period)]
        missing = []
        irregular = []
        for i in off:
            gap = steps[i]
            if gap % period == 0:
                missing.extend(pd.date_range(uniq[i], uniq[i + 1], freq=f"{int(period)}D")[1:-1])
            else:
                irregular.append(uniq[i + 1])
        if missing:
            problems.append(
                f"date column '{name}' has gaps in a {freq} series: missing "
                f"{_where([d.date().isoformat() for d in missing], unit='date')}; "
                "add those periods (with zero spend if nothing ran)"
            )
        if irregular:
            problems.append(
                f"date column '{name}' breaks the {freq} spacing at "
                f"{_where([d.date().isoformat() for d in irregular], unit='date')}"
            )
    return int(period), problems


def _check_variation(values: pd.Series, name: str, role: str) -> list[str]:
    finite = values[np.isfinite(values)]
    if finite.empty:
        return []
    if role == "channel" and (finite == 0).all():
        return [f"channel column '{name}' is zero in every row: nothing to learn; drop it"]
    if finite.nunique() == 1:
        what = {
            "channel": "no variation in spend, so its effect cannot be told from the baseline",
            "target": "there is nothing to explain",
            "control": "it cannot be told apart from the intercept; drop it",
        }[role]
        return [f"{role} column '{name}' is constant ({finite.iloc[0]:g} in every row): {what}"]
    return []


def _check_target_sign(values: pd.Series, name: str, unit: str, allow_negative: bool) -> list[str]:
    finite = values[np.isfinite(values)]
    if not allow_negative:
        neg = finite < 0
        if neg.any():
            return [
                f"target column '{name}' is negative in "
                f"{where(finite.index[neg], finite[neg].tolist(), unit=unit)}: an outcome such "
                "as sales cannot be negative; if yours can (e.g. profit), allow it with "
                "--allow-negative-target (Python: allow_negative_target=True)"
            ]
    elif len(finite) and not finite.mean() > 0:
        return [
            f"target column '{name}' has a mean of {finite.mean():g}: the model measures media "
            "as shares of a positive mean outcome; shift the outcome to a positive level"
        ]
    return []


@dataclass
class Validated:
    """A checked table: ``frame`` has the date column (datetime64), the target, the channels
    and the controls (numeric, categorical ones encoded as ``controls``), sorted by date."""

    frame: pd.DataFrame
    period_days: int
    controls: list[str]
    categorical: dict[str, dict] = field(default_factory=dict)
    periods: dict | None = None
    lines: pd.Index | None = None  # the input's row labels, in the frame's (sorted) order


def _controls(
    df: pd.DataFrame, controls: Sequence[str], declared: Sequence[str], unit: str
) -> tuple[pd.DataFrame, dict[str, dict], list[str]]:
    """Numeric controls checked, categorical ones encoded (declared, or detected)."""
    out, encodings, problems = pd.DataFrame(index=df.index), {}, []
    for name in controls:
        if name in declared or cat.looks_categorical(df[name]):
            dummies, enc, found = cat.encode(df[name], name, unit)
            problems += found
            if enc is not None:
                encodings[name] = enc.to_dict()
                clash = [c for c in enc.names if c in df.columns or c in out.columns]
                if clash:
                    problems.append(
                        f"categorical control '{name}' encodes as {clash}, names the table "
                        "already uses; rename that column"
                    )
                if name not in declared:
                    warnings.warn(
                        f"control column '{name}' holds text: read as categorical with levels "
                        f"{[enc.reference, *enc.levels]}, reference '{enc.reference}' (the most "
                        "frequent); declare it with --categorical (Python: categorical=[...]) "
                        "to make this explicit",
                        DataWarning,
                        stacklevel=4,
                    )
            for col in dummies.columns:
                out[col] = dummies[col]
            continue
        values, found = _check_numeric(df[name], name, "control", unit)
        if any("non-numeric" in p for p in found):
            found = [
                p + f"; if '{name}' is categorical, declare it with --categorical (Python: "
                "categorical=[...])"
                if "non-numeric" in p
                else p
                for p in found
            ]
        problems += found + _check_variation(values, name, "control")
        out[name] = values
    return out, encodings, problems


def validate_frame(
    df: pd.DataFrame,
    *,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
    min_rows: int | Callable[[float | None, int, int], int] = 0,
    unit: str = "row",
    categorical: Sequence[str] = (),
    date_format: str | None = None,
    freq: str | None = None,
    start_date: str | None = None,
    allow_negative_target: bool = False,
    negative_labels: Mapping[str, str] | None = None,
) -> Validated:
    """Check a table and return it cleaned (numeric, categorical controls encoded, sorted by
    date) with its period in days.

    ``min_rows`` is a number or a function of (span in days, period in days, number of
    controls after encoding), since the model's size depends on whether the data cover a
    year (seasonality). ``categorical``: controls to encode as categorical (text columns with
    few levels are detected). ``date_format``, ``freq``, ``start_date``: see
    :func:`bayes_mmm.data.dates.parse_time`. ``negative_labels``: what a negative value of a
    channel column that is not spend is called (exposure, organic), per column.

    Raises ``DataValidationError`` listing every problem found. Unsorted dates are sorted
    with a ``DataWarning``.
    """
    problems = check_columns(list(df.columns), date, target, channels, controls)
    problems += _option_problems(controls, categorical, freq, start_date)
    if problems:
        raise DataValidationError(problems)
    time = parse_time(
        df[date], date, unit, date_format=date_format, freq=freq, start_date=start_date
    )
    problems += time.problems
    out = pd.DataFrame({date: time.dates}, index=df.index)
    measured, found = _check_measures(
        df, target, channels, unit, allow_negative_target, negative_labels
    )
    problems += found
    for name, values in measured.items():
        out[name] = values
    encoded, encodings, found = _controls(df, controls, categorical, unit)
    problems += found
    out = pd.concat([out, encoded], axis=1)
    period, found = _period(out[date], date, unit, time, freq)
    problems += found
    problems += _row_problems(len(df), min_rows, out[date], period, len(encoded.columns))
    if problems:
        raise DataValidationError(problems)
    if not out[date].is_monotonic_increasing:
        warnings.warn(
            f"dates in '{date}' were not in order; the rows were sorted by date",
            DataWarning,
            stacklevel=3,
        )
        out = out.sort_values(date, kind="stable")
    warn_trend_like_controls(out, list(encoded.columns))
    return Validated(
        out.reset_index(drop=True),
        int(period) if period else 7,
        list(encoded.columns),
        encodings,
        time.periods,
        out.index,
    )


def _check_measures(
    df: pd.DataFrame,
    target: str,
    channels: Sequence[str],
    unit: str,
    allow_negative_target: bool,
    negative_labels: Mapping[str, str] | None,
) -> tuple[dict[str, pd.Series], list[str]]:
    """The target and channel columns as numbers, with their problems (column by column)."""
    measured: dict[str, pd.Series] = {}
    problems: list[str] = []
    for role, names in (("target", [target]), ("channel", channels)):
        for name in names:
            values, found = _check_numeric(df[name], name, role, unit)
            problems += found
            measured[name] = values
            if role == "channel":
                problems += negative_spend(values, name, unit, (negative_labels or {}).get(name))
            else:
                problems += _check_target_sign(values, name, unit, allow_negative_target)
            problems += _check_variation(values, name, role)
    return measured, problems


def negative_spend(values: pd.Series, name: str, unit: str, label: str | None = None) -> list[str]:
    """The rows (and geo, through ``unit``) where channel ``name`` spends less than zero."""
    neg = values < 0
    if not neg.any():
        return []
    label = label or f"channel column '{name}' has negative spend"
    return [f"{label} in {where(values.index[neg], values[neg], unit=unit)}"]


def _period(
    dates: pd.Series, name: str, unit: str, time: TimeIndex, freq: str | None
) -> tuple[int | None, list[str]]:
    """The period in days (None when unknown) and the problems with the dates' spacing."""
    if time.periods is not None:
        return FREQS[time.periods["freq"]], []
    if time.problems:
        return None, []
    period, problems = _check_dates(dates, name, unit)
    if freq is not None and period and FREQS[freq.upper()] != period:
        problems.append(
            f"date column '{name}' is {PERIOD_NAMES[period]} but the frequency given is "
            f"'{freq}' (a frequency is only needed for period numbers)"
        )
    return period, problems


def _row_problems(
    n_rows: int,
    min_rows: int | Callable[[float | None, int, int], int],
    dates: pd.Series,
    period: int | None,
    n_controls: int,
) -> list[str]:
    """A too-few-rows problem; ``min_rows`` as for :func:`validate_frame`."""
    if callable(min_rows):
        span = None
        if period and dates.notna().all():
            span = (dates.max() - dates.min()).days + period
        min_rows = min_rows(span, period or 7, n_controls)
    if n_rows < min_rows:
        return [
            f"too few rows: {n_rows} given, the model needs at least {min_rows} "
            "(fewer channels, controls or seasonality terms need fewer rows)"
        ]
    return []


def _option_problems(
    controls: Sequence[str], categorical: Sequence[str], freq: str | None, start: str | None
) -> list[str]:
    problems = [
        f"categorical column '{c}' is not among the controls {list(controls)}: only controls "
        "can be categorical"
        for c in categorical
        if c not in controls
    ]
    if freq is not None and str(freq).upper() not in FREQS:
        problems.append(f"frequency '{freq}' is not one of {list(FREQS)} (W: weekly, D: daily)")
    if start is not None:
        try:
            pd.Timestamp(start)
        except (ValueError, TypeError):
            problems.append(f"start date '{start}' is not a date (write e.g. 2024-01-01)")
    return problems
