"""MMMData: a validated table of dates, outcome, channel spend and controls."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.data.lift import LiftTests, parse_lift_tests
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
            categorical=self.categorical,
            periods=self.periods,
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
) -> MMMData:
    """Validate a DataFrame and build :class:`MMMData`.

    ``date`` names the time column: dates in any common format (``date_format``, e.g.
    ``"%d.%m.%Y"``, when they are ambiguous), or whole period numbers 1, 2, 3 ... laid out
    weekly (``freq="D"``: daily) from ``start_date`` (default 2000-01-03).
    ``categorical``: controls to one-hot encode against their most frequent level (also the
    spec's ``categorical``; text columns with few levels are detected, with a DataWarning).
    A negative target is refused unless ``allow_negative_target``.
    ``min_rows`` defaults to what the model of ``spec`` (default spec if None) needs for this
    many channels and controls; ``lift_tests``: see :meth:`MMMData.with_lift_tests`. Raises
    :class:`DataValidationError` listing every problem.
    """
    channels, controls = list(channels), list(controls)
    model_spec = spec or ModelSpec()
    declared = list(dict.fromkeys([*categorical, *getattr(model_spec, "categorical", ())]))
    if min_rows is None:

        def min_rows(span, period, n_controls):
            return model_spec.required_rows(len(channels), n_controls, span, period)

    checked = validate_frame(
        df,
        date=date,
        target=target,
        channels=channels,
        controls=controls,
        min_rows=min_rows,
        unit=unit,
        categorical=declared,
        date_format=date_format,
        freq=freq,
        start_date=start_date,
        allow_negative_target=allow_negative_target,
    )
    clean = checked.frame
    n = len(clean)

    def matrix(names: list[str]) -> np.ndarray:
        # C order, as when read back from a saved fit, so that sums are bit-identical
        return np.ascontiguousarray(clean[names].to_numpy(float).reshape(n, len(names)))

    return MMMData(
        dates=pd.DatetimeIndex(clean[date], name=D.DATE),
        target=clean[target].to_numpy(float),
        spend=matrix(channels),
        controls=matrix(checked.controls),
        channels=tuple(channels),
        control_names=tuple(checked.controls),
        target_name=target,
        date_name=date,
        period_days=checked.period_days,
        categorical=checked.categorical,
        periods=checked.periods,
    ).with_lift_tests(lift_tests)


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
) -> MMMData:
    """Read and validate a CSV file (plain or gzip, UTF-8 or UTF-16; see
    :mod:`bayes_mmm.data.read`); problems name the file's line numbers. Options as
    :func:`from_frame`. Every problem, the file's included, raises
    :class:`DataValidationError` (never a pandas or codec error)."""
    df = read_table(path, "data file", max_bytes)
    problems = check_columns(list(df.columns), date, target, list(channels), list(controls))
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
    )
