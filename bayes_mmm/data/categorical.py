"""Categorical controls: text columns such as Robyn's ``events`` (``na``, ``event1``,
``event2``), one-hot encoded against a reference level, the most frequent one.

Each other level becomes a 0/1 control named ``column[level]`` (e.g. ``events[event1]``), so
its coefficient is the effect of that level against the reference; the reference is stored
with the fit and written to ``fit.json``.

A control column is read as categorical when it is declared so (``categorical=[...]``,
``--categorical``, or the spec's ``categorical``), or when most of its values are text and
it has at most ``MAX_AUTO_LEVELS`` levels. A column that is mostly numbers with some text
cells (``1,234``, ``12,5``, ``$40``, a stray word) is a numeric column with typos: it is
refused, naming the rows and what the values look like. Channels and the target are never
categorical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.data.problems import where

MAX_AUTO_LEVELS = 20
MIN_TEXT_SHARE = 0.5  # share of text values above which an undeclared column is categorical

_HINTS = (
    (re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"), "thousands separators: write 1234"),
    (re.compile(r"^[+-]?\d+,\d+$"), "decimal commas: write 12.5, not 12,5"),
    (re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"), "thousands separators: write 1234"),
    (re.compile(r"^\s*[$€£¥]|[$€£¥%]\s*$"), "currency or percent signs: write plain numbers"),
)


def dummy_name(column: str, level: str) -> str:
    return f"{column}[{level}]"


@dataclass(frozen=True)
class Encoding:
    """A categorical control: its reference level and the levels with an indicator each."""

    column: str
    reference: str
    levels: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [dummy_name(self.column, lev) for lev in self.levels]

    def to_dict(self) -> dict:
        return {"reference": self.reference, "levels": list(self.levels), "columns": self.names}


def numeric_hint(values: pd.Series) -> str:
    """What non-numeric values in a numeric column look like, as advice ('' if unclear)."""
    text = values.astype(str).str.strip()
    for pattern, hint in _HINTS:
        if text.str.contains(pattern).any():
            return f" (they look like numbers with {hint})"
    return ""


def text_share(raw: pd.Series) -> float:
    """Share of the non-missing values that are not numbers."""
    present = raw.dropna()
    if present.empty:
        return 0.0
    return float(pd.to_numeric(present, errors="coerce").isna().mean())


def looks_categorical(raw: pd.Series) -> bool:
    """Mostly text, with few enough levels to encode without being asked."""
    if pd.api.types.is_numeric_dtype(raw) or text_share(raw) < MIN_TEXT_SHARE:
        return False
    return raw.dropna().astype(str).nunique() <= MAX_AUTO_LEVELS


def _levels(raw: pd.Series) -> list[str]:
    """Levels, most frequent first (ties in sorted order)."""
    counts = raw.astype(str).value_counts()
    return sorted(counts.index, key=lambda lev: (-counts[lev], lev))


def encode(
    raw: pd.Series, name: str, unit: str = "row"
) -> tuple[pd.DataFrame, Encoding | None, list[str]]:
    """0/1 indicator columns of ``raw`` against its most frequent level, the encoding, and
    the problems found (missing values, a single level)."""
    missing = raw.isna()
    if missing.any():
        return (
            pd.DataFrame(index=raw.index),
            None,
            [
                f"categorical control '{name}' is missing in "
                f"{where(raw.index[missing], unit=unit)}; give every row a level (e.g. 'none')"
            ],
        )
    text = raw.map(_as_level)
    levels = _levels(text)
    if len(levels) < 2:
        return (
            pd.DataFrame(index=raw.index),
            None,
            [
                f"categorical control '{name}' has the single level {levels[0]!r} in every row: "
                "it cannot be told apart from the intercept; drop it"
            ],
        )
    enc = Encoding(name, levels[0], tuple(sorted(levels[1:])))
    dummies = {dummy_name(name, lev): (text == lev).to_numpy(dtype=float) for lev in enc.levels}
    return pd.DataFrame(dummies, index=raw.index), enc, []


def _as_level(value) -> str:
    """A level's label: integral numbers without a trailing '.0'."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
