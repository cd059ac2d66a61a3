"""Calendar controls: national holidays (from the ``holidays`` package) and the user's events,
as control columns aligned to the data's periods.

Period rule (stated in every output that uses it): a period stamped ``t`` covers the days
``[t, t + period)`` (weekly data: the stamp's weekday and the six days after it, whatever
weekday the data use; daily data: the day itself). A date falls in the period whose stamp is
the latest one on or before it.

- Holidays: one control ``holiday`` = the number of national holidays of the country falling
  in the period (0, 1, 2 ...). One shared effect, not one column per holiday: on a few years
  of weekly data each holiday is seen 2-5 times, too few to estimate an effect each, and the
  per-holiday columns would be driven by their priors. Holidays falling on a weekend count
  like the others (the package's calendar, no observed-day shifts unless the country has them).
- Events: one 0/1 control ``event[NAME]`` per event name: 1 in each period that an event of
  that name overlaps (``date`` to ``end``, inclusive; ``end`` defaults to ``date``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data.problems import DataValidationError, where

HOLIDAY = "holiday"
PERIOD_RULE = (
    "a period stamped t covers the days [t, t + period length); a holiday or event date "
    "falls in the period with the latest stamp on or before it"
)


def event_column(name: str) -> str:
    return f"event[{name}]"


def _period_of(dates: pd.DatetimeIndex, days: pd.DatetimeIndex, period_days: int) -> np.ndarray:
    """Position of the period each day falls in, -1 outside the data's periods."""
    pos = dates.searchsorted(days, side="right") - 1
    inside = (pos >= 0) & (days < dates[-1] + pd.Timedelta(days=period_days))
    return np.where(inside, pos, -1)


def holiday_table(dates: pd.DatetimeIndex, period_days: int, country: str) -> pd.DataFrame:
    """National holidays of ``country`` (ISO code, e.g. ``"DE"``) within the data's periods:
    ``date, name, period`` (the stamp of the period it falls in)."""
    import holidays  # imported here: only fits with holidays need it

    code = str(country).strip().upper()
    if code not in holidays.list_supported_countries():
        raise DataValidationError(
            [
                f"holidays: unknown country '{country}'; give an ISO 3166 code the 'holidays' "
                "package supports, e.g. DE, US, GB, FR"
            ]
        )
    last = dates[-1] + pd.Timedelta(days=period_days)
    years = range(dates[0].year, last.year + 1)
    cal = holidays.country_holidays(code, years=years, language="en_US")
    rows = sorted((pd.Timestamp(d), str(n)) for d, n in cal.items())
    days = pd.DatetimeIndex([d for d, _ in rows])
    pos = _period_of(dates, days, period_days) if len(days) else np.zeros(0, int)
    keep = pos >= 0
    return pd.DataFrame(
        {
            "date": days[keep],
            "name": [n for (_, n), k in zip(rows, keep, strict=True) if k],
            "period": dates[pos[keep]],
        }
    )


def holiday_controls(dates: pd.DatetimeIndex, period_days: int, country: str) -> pd.DataFrame:
    """``holiday`` per period: the number of the country's national holidays in it."""
    table = holiday_table(dates, period_days, country)
    counts = table.groupby("period").size().reindex(dates, fill_value=0)
    return pd.DataFrame({HOLIDAY: counts.to_numpy(float)}, index=dates)


def read_events(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The events table (columns ``date, name`` and optional ``end``) and how to name it."""
    if isinstance(source, pd.DataFrame):
        return source.copy(), "events table"
    from bayes_mmm.data.read import read_table

    return read_table(source, "events file"), f"events file '{source}'"


def _parse_event_rows(df: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows parsed to ``date, end, name``; problems name the rows."""
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in ("date", "name") if c not in cols]
    if missing:
        return df, [f"{label}: needs columns date, name (and optionally end); missing {missing}"]
    unit = "line" if label.startswith("events file") else "row"
    start = pd.to_datetime(df[cols["date"]], errors="coerce", format="mixed")
    end_raw = df[cols["end"]] if "end" in cols else pd.Series(None, index=df.index)
    end = pd.to_datetime(end_raw, errors="coerce", format="mixed")
    name = df[cols["name"]].astype("string").str.strip()
    problems = []
    for bad, what in (
        (start.isna(), "a missing or unreadable date"),
        (end.isna() & end_raw.notna(), "an unreadable end date"),
        (name.isna() | (name == ""), "no event name"),
        (end.notna() & start.notna() & (end < start), "an end before its date"),
    ):
        if bad.any():
            problems.append(f"{label}: {where(df.index[bad], unit=unit)} {what}")
    out = pd.DataFrame({"date": start, "end": end.fillna(start), "name": name}, index=df.index)
    return out, problems


def event_controls(
    dates: pd.DatetimeIndex, period_days: int, source: str | Path | pd.DataFrame
) -> pd.DataFrame:
    """One 0/1 column ``event[NAME]`` per event name (see the module docstring). Rows with
    bad dates or names, and events outside the data's periods, raise
    :class:`DataValidationError` naming the file and its lines."""
    df, label = read_events(source)
    events, problems = _parse_event_rows(df, label)
    if problems:
        raise DataValidationError(problems)
    unit = "line" if label.startswith("events file") else "row"
    first = _period_of(dates, pd.DatetimeIndex(events["date"]), period_days)
    last = _period_of(dates, pd.DatetimeIndex(events["end"]), period_days)
    out_of = (first < 0) & (last < 0)
    if out_of.any():
        span = f"{dates[0].date()} to {(dates[-1] + pd.Timedelta(days=period_days - 1)).date()}"
        raise DataValidationError(
            [
                f"{label}: {where(events.index[out_of], unit=unit)} "
                f"{'is' if out_of.sum() == 1 else 'are'} outside the data's dates ({span})"
            ]
        )
    first = np.where(first < 0, 0, first)  # an event that began before the data
    last = np.where(last < 0, len(dates) - 1, last)
    out = pd.DataFrame(index=dates)
    for name in dict.fromkeys(events["name"]):
        col = np.zeros(len(dates))
        for a, b in zip(first[events["name"] == name], last[events["name"] == name], strict=True):
            col[a : b + 1] = 1.0
        out[event_column(name)] = col
    return out
