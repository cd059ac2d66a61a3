"""Lift tests: measured incremental outcomes of experiments (geo tests, holdouts, conversion
lift studies), entered into the model as extra observations of the response curve.

One test is one row: the channel, the weekly ``spend`` it ran at, the change ``delta_spend``
the experiment made to that weekly spend (``-spend`` for a go-dark holdout), the measured
change ``lift`` in weekly outcome (negative when spend was cut) and its standard error
``sigma``, all per period (week or day) in the user's units. The model reads a test as the
steady-state response ``beta * (hill(spend + delta_spend) - hill(spend))``: for a test of
``T`` weeks, measure the lift over the test and its carryover weeks and divide by ``T``.

**Windowed tests** (columns ``weeks`` and optionally ``carryover_weeks``): the spend change
ran for ``weeks`` periods on top of a channel that had been spending ``spend`` every period,
and ``lift`` is the *total* change in outcome over the test and the ``carryover_weeks``
periods after it (``sigma`` its standard error). The model reads it through the adstock and
the saturation (:mod:`bayes_mmm.model.components.window_lift`), so it informs the decay too;
measured with little carryover (small ``carryover_weeks``) it informs decay the most. Rows
whose ``weeks`` is empty are steady-state tests; one file may hold both. Optional
``measured_from`` (default 0) starts the measurement that many periods after the test's
start: a test reported as its lift during the test (``carryover_weeks`` 0) and, in a second
row with ``measured_from`` = ``weeks``, the lift after it, pins the decay best (the two
windows do not overlap, so their errors are independent).

**Geo tests** (geo data only; optional column ``geo``): the geo the test ran in, several
joined by ``+`` (``"Geo1+Geo7"``), or empty for every geo (a national test). ``spend``,
``delta_spend`` and ``lift`` are totals over the tested geos; the model splits the spend over
them in proportion to each geo's spend on the channel in the data. With geo data every test
is windowed (give ``weeks``).

Why: sales data alone measure a channel's response around the spend it usually runs at; its
ROI, an extrapolation to zero spend, is then held by the priors (docs/defaults.md). A holdout
measures that extrapolation directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data.problems import DataValidationError, where
from bayes_mmm.data.read import read_table
from bayes_mmm.data.validate import _check_numeric

COLUMNS = ("channel", "spend", "delta_spend", "lift", "sigma")
WINDOW_COLUMNS = ("weeks", "carryover_weeks", "measured_from")  # optional: windowed tests
GEO_COLUMN, GEO_SEP = "geo", "+"  # optional: the tested geos (or the data's geo column name)


@dataclass(frozen=True, eq=False)
class LiftTests:
    """Validated lift tests (one entry per test); build with :func:`parse_lift_tests`."""

    channel: tuple[str, ...]
    spend: np.ndarray
    delta_spend: np.ndarray
    lift: np.ndarray
    sigma: np.ndarray
    weeks: np.ndarray | None = None  # test length in periods; 0: a steady-state test
    carryover_weeks: np.ndarray | None = None  # periods measured after the test
    measured_from: np.ndarray | None = None  # first measured period (0: the test's first)
    geo: tuple[str, ...] | None = None  # tested geos joined by "+"; "": every geo

    def __post_init__(self):
        for name in WINDOW_COLUMNS:
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(len(self.channel), dtype="int64"))
        if self.geo is None:
            object.__setattr__(self, "geo", ("",) * len(self.channel))

    def geos_of(self, i: int, geos: tuple[str, ...]) -> list[str]:
        """The geos test ``i`` ran in (every geo of ``geos`` when its ``geo`` is empty)."""
        return self.geo[i].split(GEO_SEP) if self.geo[i] else list(geos)

    @property
    def windowed(self) -> np.ndarray:
        """``(test,)`` True for windowed tests."""
        return self.weeks > 0

    @property
    def columns(self) -> tuple[str, ...]:
        geo = (GEO_COLUMN,) if any(self.geo) else ()
        return COLUMNS + (WINDOW_COLUMNS if self.windowed.any() else ()) + geo

    def subset(self, mask: np.ndarray) -> LiftTests:
        """The tests where ``mask`` is True (labels are those of the full set: ``labels``)."""
        idx = np.flatnonzero(mask)
        return LiftTests(
            channel=tuple(self.channel[i] for i in idx),
            **{c: getattr(self, c)[idx] for c in COLUMNS[1:] + WINDOW_COLUMNS},
            geo=tuple(self.geo[i] for i in idx),
        )

    def __len__(self) -> int:
        return len(self.channel)

    def labels(self) -> list[str]:
        """One label per test: ``<channel>:<n>`` numbered within each channel."""
        seen: dict[str, int] = {}
        out = []
        for ch in self.channel:
            seen[ch] = seen.get(ch, 0) + 1
            out.append(f"{ch}:{seen[ch]}")
        return out

    def channel_index(self, channels: tuple[str, ...]) -> np.ndarray:
        return np.array([channels.index(c) for c in self.channel], dtype="int64")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: list(getattr(self, c)) for c in self.columns})

    def to_records(self) -> list[dict]:
        """JSON-serialisable (stored with a fitted model)."""
        cols = self.columns
        text = ("channel", GEO_COLUMN)
        return [
            {c: (v if c in text else float(v)) for c, v in zip(cols, row, strict=True)}
            for row in zip(*(getattr(self, c) for c in cols), strict=True)
        ]

    @classmethod
    def from_records(cls, records: list[dict]) -> LiftTests:
        window = {
            c: np.array([int(r.get(c, 0)) for r in records], dtype="int64") for c in WINDOW_COLUMNS
        }
        return cls(
            channel=tuple(str(r["channel"]) for r in records),
            **{c: np.array([float(r[c]) for r in records]) for c in COLUMNS[1:]},
            **window,
            geo=tuple(str(r.get(GEO_COLUMN, "")) for r in records),
        )


def parse_lift_tests(
    tests: LiftTests | pd.DataFrame | str | Path,
    channels: tuple[str, ...],
    geos: tuple[str, ...] | None = None,
    geo_column: str | None = None,
) -> LiftTests:
    """Validate a table (or CSV file, or :class:`LiftTests`) against the data's channels
    (and geos, for geo data: ``geos``; the tested geos in column ``geo`` or in the data's own
    geo column name ``geo_column``).

    Raises :class:`DataValidationError` naming the column and rows of every problem: missing
    columns, unknown channels, non-numeric or missing values, negative spend, a spend change
    that is zero or leaves negative spend, a standard error that is not positive, unknown
    geos, geos named for national data, and tests on geo data that are not windowed.
    """
    unit = "row"
    if isinstance(tests, LiftTests):
        tests = tests.to_frame()
    if isinstance(tests, str | Path):
        tests = read_table(tests, "lift test file")  # indexed by the file's line numbers
        unit = "line"
    missing = [c for c in COLUMNS if c not in tests.columns]
    if missing:
        raise DataValidationError(
            [f"lift tests: columns {missing} are missing (need {list(COLUMNS)})"]
        )
    if tests.empty:
        raise DataValidationError(["lift tests: the table has no rows"])
    problems = []
    name = tests["channel"].astype(str).str.strip()
    unknown = ~name.isin(channels)
    if unknown.any():
        problems.append(
            f"lift tests: column 'channel' names channels not in the data in "
            f"{where(tests.index[unknown], name[unknown], unit=unit)}; channels are "
            f"{list(channels)}"
        )
    values, found = _values(tests, unit)
    problems += found
    window, found = _window_columns(tests, unit)
    problems += found
    weeks = window.get("weeks", np.zeros(len(tests), dtype="int64"))
    geo, found = _geo_column(tests, geos, weeks, unit, geo_column)
    problems += found
    if problems:
        raise DataValidationError(problems)
    return LiftTests(
        channel=tuple(name),
        **{c: values[c].to_numpy(float) for c in COLUMNS[1:]},
        **window,
        geo=geo,
    )


def _values(tests: pd.DataFrame, unit: str) -> tuple[dict[str, pd.Series], list[str]]:
    """The numeric columns, each checked: numbers, spend not negative, a change that is not
    zero and leaves spend not negative, a positive standard error."""
    values, problems = {}, []
    for col in COLUMNS[1:]:
        values[col], found = _check_numeric(tests[col], col, "lift test", unit)
        problems += found
    spend, delta, sigma = values["spend"], values["delta_spend"], values["sigma"]
    checks = [
        (spend < 0, "lift test column 'spend' is negative in"),
        (delta == 0, "lift test column 'delta_spend' is zero (no change, nothing measured) in"),
        (spend + delta < 0, "lift test: 'spend' + 'delta_spend' is negative in"),
        (sigma <= 0, "lift test column 'sigma' (the lift's standard error) is not positive in"),
    ]
    for bad, text in checks:
        if bad.any():
            problems.append(f"{text} {where(tests.index[bad], unit=unit)}")
    return values, problems


def _geo_column(tests: pd.DataFrame, geos, weeks: np.ndarray, unit: str, alias=None):
    """The optional ``geo`` column (or the data's own geo column name, ``alias``): known geos
    joined by ``+`` (empty: every geo), only for geo data, where every test is windowed."""
    col = next((c for c in (GEO_COLUMN, alias) if c and c in tests.columns), GEO_COLUMN)
    raw = tests[col] if col in tests.columns else pd.Series("", tests.index)
    text = raw.fillna("").astype(str).str.strip()
    named, problems = text != "", []
    if geos is None:
        if named.any():
            problems.append(f"lift tests: column '{col}' names geos in "
                            f"{where(tests.index[named], text[named], unit=unit)}, but the data "
                            "have no geos (fit with --geo COLUMN)")  # fmt: skip
        return tuple(text), problems
    parts = text.str.split(GEO_SEP)
    unknown = named & parts.map(lambda p: any(g.strip() not in geos for g in p))
    if unknown.any():
        problems.append(f"lift tests: column '{col}' names geos not in the data in "
                        f"{where(tests.index[unknown], text[unknown], unit=unit)}; geos are "
                        f"{list(geos)[:8]}{' ...' if len(geos) > 8 else ''}")  # fmt: skip
    steady = weeks == 0
    if steady.any():
        rows = where(tests.index[steady], unit=unit)
        problems.append(f"lift tests on geo data must be windowed: give 'weeks' (the test's "
                        f"length in periods) in {rows}")  # fmt: skip
    clean = [GEO_SEP.join(g.strip() for g in p) for p in parts]
    return tuple(c if n else "" for c, n in zip(clean, named, strict=True)), problems


def _window_columns(tests: pd.DataFrame, unit: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """The optional ``weeks``, ``carryover_weeks`` columns (empty ``weeks``: steady state)."""
    n, problems, out = len(tests), [], {}
    extra = [c for c in WINDOW_COLUMNS[1:] if c in tests.columns]
    if extra and "weeks" not in tests.columns:
        return {}, [f"lift tests: columns {extra} need the column 'weeks' (test length)"]
    for col in WINDOW_COLUMNS:
        if col not in tests.columns:
            out[col] = np.zeros(n, dtype="int64")
            continue
        raw = tests[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = (values.isna() & raw.notna()) | (values < 0) | (values.notna() & (values % 1 != 0))
        if col == "weeks":
            bad |= values == 0
        if bad.any():
            problems.append(
                f"lift test column '{col}' is not a whole number of periods"
                f"{' >= 1' if col == 'weeks' else ' >= 0'} in "
                f"{where(tests.index[bad], raw[bad], unit=unit)}"
            )
        out[col] = values.fillna(0).to_numpy().astype("int64")
    late = out["measured_from"] >= out["weeks"] + out["carryover_weeks"]
    if (late & (out["weeks"] > 0)).any():
        problems.append(
            f"lift test: 'measured_from' leaves no period to measure (it must be below 'weeks' "
            f"+ 'carryover_weeks') in {where(tests.index[late & (out['weeks'] > 0)], unit=unit)}"
        )
    orphan = (out["weeks"] == 0) & ((out["carryover_weeks"] > 0) | (out["measured_from"] > 0))
    if orphan.any():
        problems.append(
            f"lift test: 'carryover_weeks' or 'measured_from' given without 'weeks' in "
            f"{where(tests.index[orphan], unit=unit)}"
        )
    return out, problems


def unspent_tests(tests: LiftTests, geo_spend: np.ndarray, channels, geos) -> list[str]:
    """Geo tests whose channel never spends in any of their geos (the model has no effect
    there to change: the measured lift could not be read), one problem per test."""
    problems = []
    for i, ch in enumerate(tests.channel):
        where = tests.geos_of(i, geos)
        idx = [list(geos).index(g) for g in where]
        if geo_spend[idx, :, list(channels).index(ch)].sum() <= 0:
            problems.append(f"lift test row {i}: channel '{ch}' never spends in "
                            f"{'+'.join(where)} in the data, so a test there cannot be read; "
                            "test it where it spends")  # fmt: skip
    return problems
