"""The time index of a table: its date column as calendar dates, or whole period numbers.

- Calendar dates in any common form: ISO (``2024-01-07``, with a time or a time zone),
  year-first with other separators, day-first or month-first (``07.01.2024``, ``01/07/2024``:
  told apart by which reading gives a regular weekly or daily series; refused as ambiguous
  when both do), month names (``Jan 7, 2024``), or a format the user names (``date_format``,
  ``--date-format``, e.g. ``%d.%m.%Y``). Time zones are dropped, keeping each row's local
  calendar day (weekly data stamped at local midnight stay on their day across DST changes).
- Whole period numbers ``1, 2, 3 ...`` (no calendar): consecutive periods of ``freq`` (``W``,
  weekly, by default; ``D`` daily) from ``start_date`` (default ``DEFAULT_START``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.data.problems import where

FREQS = {"W": 7, "D": 1}
FREQ_NAMES = {"W": "weekly", "D": "daily"}
DEFAULT_START = pd.Timestamp("2000-01-03")  # a Monday; only the calendar of period numbers
FORMAT_HINT = "give the format with --date-format (Python: date_format=), e.g. '%d.%m.%Y'"

_TZ = re.compile(r"(?<=\d)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_YEAR_FIRST = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T\s].*)?$")
_DMY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:[T\s].*)?$")
_INTEGER = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_YYYYMMDD = re.compile(r"^(19|20)\d{6}$")


@dataclass
class TimeIndex:
    """Parsed dates (NaT where a row has a problem), problems, and for period numbers their
    layout ``{"first", "freq", "start"}`` (stored with the fit)."""

    dates: pd.Series
    problems: list[str] = field(default_factory=list)
    periods: dict | None = None


def parse_time(
    raw: pd.Series,
    name: str,
    unit: str = "row",
    *,
    date_format: str | None = None,
    freq: str | None = None,
    start_date: str | pd.Timestamp | None = None,
) -> TimeIndex:
    """The time index of the column ``raw`` (see the module docstring)."""
    problems = []
    missing = raw.isna()
    if missing.any():
        problems.append(f"date column '{name}' is empty in {where(raw.index[missing], unit=unit)}")
    values = raw[~missing]
    if pd.api.types.is_datetime64_any_dtype(raw):
        dates = pd.to_datetime(raw)
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
        return TimeIndex(dates, problems)
    text = values.astype(str).str.strip()
    numeric = pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
    if date_format is None and (numeric or (len(text) and text.str.match(_NUMBER).all())):
        if text.str.match(_YYYYMMDD).all():  # 20240107: a date, not period 20 million
            parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
            if parsed.notna().all():
                return TimeIndex(parsed.reindex(raw.index), problems)
        return _periods(raw, values, text, name, unit, freq, start_date, problems)
    if date_format is not None:
        parsed = pd.to_datetime(text, format=date_format, errors="coerce")
        bad = parsed.isna()
        if bad.any():
            problems.append(
                f"date column '{name}' does not match the date format '{date_format}' in "
                f"{where(text.index[bad], text[bad], unit=unit)}"
            )
        return TimeIndex(parsed.dt.normalize().reindex(raw.index), problems)
    timed = text.str.contains(_HAS_TIME)
    text = text.where(~timed, text.str.replace(_TZ, "", regex=True))  # keep the local day
    parsed, found = _parse_text(text, name, unit)
    return TimeIndex(parsed.reindex(raw.index), problems + found)


def _periods(raw, values, text, name, unit, freq, start_date, problems) -> TimeIndex:
    """Whole period numbers laid out on a calendar; other numbers are refused."""
    integral = text.str.match(_INTEGER)
    if not integral.all():
        shown = values[~integral]
        problems.append(
            f"date column '{name}' holds numbers that are not whole period numbers, in "
            f"{where(shown.index, shown.tolist(), unit=unit)}; write dates such as 2024-01-01, "
            "or number the periods 1, 2, 3 ... (weekly; --freq D for days)"
        )
        return TimeIndex(pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"), problems)
    number = text.astype(float).astype(np.int64)
    dup = number.duplicated(keep=False)
    if dup.any():
        problems.append(
            f"date column '{name}' (period numbers) repeats periods in "
            f"{where(number.index[dup], number[dup].tolist(), unit=unit)}"
        )
    uniq = np.unique(number.to_numpy())
    full = np.arange(uniq[0], uniq[-1] + 1) if len(uniq) else uniq
    gone = np.setdiff1d(full, uniq)
    if gone.size:
        problems.append(
            f"date column '{name}' (period numbers) has gaps: missing "
            f"{where(gone.tolist(), unit='period')}; add those periods (with zero spend if "
            "nothing ran)"
        )
    freq = (freq or "W").upper()
    start = pd.Timestamp(start_date) if start_date is not None else DEFAULT_START
    first = int(uniq[0]) if len(uniq) else 0
    dates = start + pd.to_timedelta((number - first) * FREQS[freq], unit="D")
    layout = {"first": first, "freq": freq, "start": start.date().isoformat()}
    return TimeIndex(dates.reindex(raw.index), problems, layout)


def _regularity(dates: pd.Series) -> float:
    """Share of steps between sorted distinct dates that are one week (or one day)."""
    uniq = np.sort(dates.dropna().unique())
    if len(uniq) < 2:
        return 0.0
    steps = np.diff(uniq).astype("timedelta64[D]").astype(np.int64)
    return max(float(np.mean(steps == 7)), float(np.mean(steps == 1)))


def _dmy(text: pd.Series, day_first: bool) -> pd.Series:
    parts = text.str.extract(_DMY)
    a, b, year = parts[0].astype(float), parts[2].astype(float), parts[3]
    year = year.astype(float).where(year.str.len() == 4, 2000 + year.astype(float))
    year = year.where((year < 2070) | (parts[3].str.len() == 4), year - 100)
    day, month = (a, b) if day_first else (b, a)
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    return pd.to_datetime(frame, errors="coerce")


def _parse_text(text: pd.Series, name: str, unit: str) -> tuple[pd.Series, list[str]]:
    problems = []
    if len(text) and text.str.match(_DMY).all():
        day_first, month_first = _dmy(text, True), _dmy(text, False)
        scores = {}
        for label, parsed in (("day-first", day_first), ("month-first", month_first)):
            if parsed.notna().all():
                scores[label] = _regularity(parsed)
        if len(scores) == 2 and scores["day-first"] == scores["month-first"]:
            sep = _DMY.match(text.iloc[0]).group(2)
            return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]"), [
                f"date column '{name}' holds dates such as '{text.iloc[0]}' that read as "
                "day-first or month-first equally well; give the format with --date-format "
                f"(Python: date_format=): '%d{sep}%m{sep}%Y' or '%m{sep}%d{sep}%Y'"
            ]
        if scores:
            best = max(scores, key=scores.get)
            return (day_first if best == "day-first" else month_first), problems
    if len(text) and text.str.match(_YEAR_FIRST).all():
        iso = text.str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
        parsed = pd.to_datetime(iso, errors="coerce", format="mixed")
    else:
        parsed = pd.to_datetime(text.astype("string"), errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        problems.append(
            f"date column '{name}' has unparseable dates in "
            f"{where(text.index[bad], text[bad], unit=unit)}; {FORMAT_HINT}"
        )
    return parsed.dt.normalize(), problems
