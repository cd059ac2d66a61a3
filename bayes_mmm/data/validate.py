"""Input checks: every problem in a table is found and reported together, before any modeling."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

MAX_LISTED = 8
NA_VALUES = ["", "NA", "NaN", "nan"]  # read as missing; nothing else is (e.g. "n/a" is text)
PERIOD_NAMES = {7: "weekly", 1: "daily"}
RESERVED = ("baseline", "trend", "seasonality")


class DataValidationError(ValueError):
    """Raised when input data cannot be modeled; ``problems`` lists every issue found."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) found in the input data:\n{lines}")


def read_text_csv(path) -> pd.DataFrame:
    """A CSV file as strings (values are parsed and checked by the callers), ``NA_VALUES`` as
    missing, a UTF-8 byte-order mark ignored."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=NA_VALUES, encoding="utf-8-sig"
    )


class DataWarning(UserWarning):
    """Something in the data was fixed automatically (e.g. unsorted dates were sorted)."""


def _where(labels: Sequence, values: Sequence | None = None, unit: str = "row") -> str:
    """Short text listing offending row labels (and values), truncated after MAX_LISTED."""
    labels = list(labels)
    shown = labels[:MAX_LISTED]
    if values is None:
        parts = [str(lab) for lab in shown]
    else:
        parts = [f"{lab} ({v!r})" for lab, v in zip(shown, list(values)[:MAX_LISTED], strict=False)]
    more = f" and {len(labels) - MAX_LISTED} more" if len(labels) > MAX_LISTED else ""
    plural = "s" if len(labels) > 1 else ""
    return f"{unit}{plural} {', '.join(parts)}{more}"


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
            problems.append(f"{role} column '{name}' is not in the table (columns: {list(cols)})")
    return problems


def _parse_dates(raw: pd.Series, name: str, unit: str) -> tuple[pd.Series, list[str]]:
    as_text = raw.dropna().astype(str)
    numeric_text = len(as_text) > 0 and as_text.str.fullmatch(r"-?\d{1,6}(\.\d*)?").all()
    if numeric_text or (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)):
        shown = raw.dropna()
        return raw, [
            f"date column '{name}' holds numbers, not dates, in "
            f"{_where(shown.index, shown.tolist(), unit=unit)}; "
            "write real dates such as 2024-01-01"
        ]
    problems = []
    missing = raw.isna()
    if missing.any():
        problems.append(f"date column '{name}' is empty in {_where(raw.index[missing], unit=unit)}")
    parsed = pd.to_datetime(raw.astype("string"), errors="coerce", format="mixed")
    bad = parsed.isna() & ~missing
    if bad.any():
        problems.append(
            f"date column '{name}' has unparseable dates in "
            f"{_where(raw.index[bad], raw[bad], unit=unit)}"
        )
    return parsed, problems


def _check_numeric(raw: pd.Series, name: str, role: str, unit: str) -> tuple[pd.Series, list[str]]:
    problems = []
    values = pd.to_numeric(raw, errors="coerce")
    empty = raw.isna()
    non_numeric = values.isna() & ~empty
    if non_numeric.any():
        problems.append(
            f"{role} column '{name}' has non-numeric values in "
            f"{_where(raw.index[non_numeric], raw[non_numeric], unit=unit)}"
        )
    nan = empty | (values.isna() & ~non_numeric)
    if nan.any():
        problems.append(
            f"{role} column '{name}' is missing (NaN) in {_where(raw.index[nan], unit=unit)}"
        )
    values = values.astype(float)
    inf = np.isinf(values)
    if inf.any():
        problems.append(
            f"{role} column '{name}' has infinite values in {_where(raw.index[inf], unit=unit)}"
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


def validate_frame(
    df: pd.DataFrame,
    *,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
    min_rows: int | Callable[[float | None, int], int] = 0,
    unit: str = "row",
) -> tuple[pd.DataFrame, int]:
    """Check a table and return it cleaned (numeric, sorted by date) with its period in days.

    ``min_rows`` is a number or a function of (span in days, period in days), since the
    model's size depends on whether the data cover a year (seasonality).

    Raises ``DataValidationError`` listing every problem found. Unsorted dates are sorted
    with a ``DataWarning``.
    """
    problems = check_columns(list(df.columns), date, target, channels, controls)
    if problems:
        raise DataValidationError(problems)
    out = pd.DataFrame(index=df.index)
    parsed, found = _parse_dates(df[date], date, unit)
    problems += found
    out[date] = parsed
    for role, names in (("target", [target]), ("channel", channels), ("control", controls)):
        for name in names:
            values, found = _check_numeric(df[name], name, role, unit)
            problems += found
            out[name] = values
            if role == "channel":
                neg = values < 0
                if neg.any():
                    problems.append(
                        f"channel column '{name}' has negative spend in "
                        f"{_where(df.index[neg], values[neg], unit=unit)}"
                    )
            problems += _check_variation(values, name, role)
    period = None
    if pd.api.types.is_datetime64_any_dtype(out[date]):
        period, found = _check_dates(out[date], date, unit)
        problems += found
    if callable(min_rows):
        span = None
        if period and out[date].notna().all():
            span = (out[date].max() - out[date].min()).days + period
        min_rows = min_rows(span, period or 7)
    if len(df) < min_rows:
        problems.append(
            f"too few rows: {len(df)} given, the model needs at least {min_rows} "
            "(fewer channels, controls or seasonality terms need fewer rows)"
        )
    if problems:
        raise DataValidationError(problems)
    if not out[date].is_monotonic_increasing:
        warnings.warn(
            f"dates in '{date}' were not in order; the rows were sorted by date",
            DataWarning,
            stacklevel=3,
        )
        out = out.sort_values(date, kind="stable")
    return out.reset_index(drop=True), int(period) if period else 7
