"""MMMData: a validated table of dates, outcome, channel spend and controls."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.data.validate import (
    DataValidationError,
    check_columns,
    read_text_csv,
    validate_frame,
)
from bayes_mmm.model.spec import ModelSpec


@dataclass(frozen=True, eq=False)
class MMMData:
    """Validated model input. Build it with :func:`from_frame` or :func:`read_csv`."""

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
        """The data as a table with the user's column names."""
        df = pd.DataFrame({self.date_name: self.dates, self.target_name: self.target})
        for i, c in enumerate(self.channels):
            df[c] = self.spend[:, i]
        for i, c in enumerate(self.control_names):
            df[c] = self.controls[:, i]
        return df

    def slice(self, start: int, stop: int | None = None) -> MMMData:
        """Rows ``start:stop`` (positions), without re-validating."""
        sl = slice(start, stop)
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
) -> MMMData:
    """Validate a DataFrame and build :class:`MMMData`.

    ``min_rows`` defaults to what the model of ``spec`` (default spec if None) needs for this
    many channels and controls; ``lift_tests``: see :meth:`MMMData.with_lift_tests`. Raises
    :class:`DataValidationError` listing every problem.
    """
    channels, controls = list(channels), list(controls)
    if min_rows is None:
        model_spec = spec or ModelSpec()

        def min_rows(span, period):
            return model_spec.required_rows(len(channels), len(controls), span, period)

    clean, period = validate_frame(
        df,
        date=date,
        target=target,
        channels=channels,
        controls=controls,
        min_rows=min_rows,
        unit=unit,
    )
    n = len(clean)

    def matrix(names: list[str]) -> np.ndarray:
        # C order, as when read back from a saved fit, so that sums are bit-identical
        return np.ascontiguousarray(clean[names].to_numpy(float).reshape(n, len(names)))

    return MMMData(
        dates=pd.DatetimeIndex(clean[date], name=date),
        target=clean[target].to_numpy(float),
        spend=matrix(channels),
        controls=matrix(controls),
        channels=tuple(channels),
        control_names=tuple(controls),
        target_name=target,
        date_name=date,
        period_days=period,
    ).with_lift_tests(lift_tests)


def _record_lines(reader) -> list[int]:
    """Line on which each data record starts, skipping blank lines as ``pd.read_csv`` does."""
    lines = []
    previous = reader.line_num
    for row in reader:
        blank = not row or (len(row) == 1 and not row[0].strip())
        if not blank:
            lines.append(previous + 1)
        previous = reader.line_num
    return lines


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
) -> MMMData:
    """Read and validate a CSV file; problems name the file's line numbers."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError([f"file '{path}' does not exist"])
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        line_numbers = _record_lines(reader)
    problems = check_columns(header, date, target, list(channels), list(controls))
    if problems:
        raise DataValidationError(problems)
    df = read_text_csv(path)
    # line numbers in the file (header is line 1), counting the blank lines pandas skips
    if len(line_numbers) == len(df):
        df.index = pd.Index(line_numbers)
    else:
        df.index = pd.RangeIndex(2, len(df) + 2)
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
    )
