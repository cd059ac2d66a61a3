"""Datasets bundled with the package (in data/datasets/): the simulated demo (CSV + JSON truth)
and the 30-week TV / Radio / Newspaper advertising table of the seed notebooks."""

from __future__ import annotations

import json
from importlib.resources import files

import pandas as pd

from bayes_mmm.data.dataset import MMMData, from_frame
from bayes_mmm.data.simulate import Truth

_DIR = files("bayes_mmm.data") / "datasets"
DEMO_CHANNELS = ["tv", "search", "social", "display"]
DEMO_CONTROLS = ["promo"]


def demo_frame() -> pd.DataFrame:
    """The demo table: 156 weeks, 4 channels (one flighted, one growing), a promo control."""
    with (_DIR / "demo.csv").open() as fh:
        return pd.read_csv(fh, parse_dates=["date"])


def demo_truth() -> Truth:
    """The true parameters, contributions and ROI that generated the demo table."""
    return Truth.from_dict(json.loads((_DIR / "demo_truth.json").read_text()))


def load_demo() -> tuple[MMMData, Truth]:
    """Demo data (validated) and its known truth."""
    data = from_frame(
        demo_frame(), date="date", target="sales", channels=DEMO_CHANNELS, controls=DEMO_CONTROLS
    )
    return data, demo_truth()


def demo_csv_path() -> str:
    return str(_DIR / "demo.csv")


ADVERTISING_CHANNELS = ["TV", "Radio", "Newspaper"]


def advertising_frame() -> pd.DataFrame:
    """The 30-week advertising table: ``date, week, TV, Radio, Newspaper, Sales``.

    The rows are those of the seed notebooks (the first 30 rows of the classic "Advertising"
    data of *An Introduction to Statistical Learning*: spend in thousands of dollars, sales in
    thousands of units), read as consecutive weeks; the source has week numbers only, so the
    dates (Mondays from 2024-01-01) are assigned.
    """
    with (_DIR / "advertising_30w.csv").open() as fh:
        return pd.read_csv(fh, parse_dates=["date"])


def load_advertising() -> MMMData:
    """The 30-week advertising table as validated data: target ``Sales``, channels ``TV``,
    ``Radio``, ``Newspaper``, no controls. No known truth: it is real (if old) data."""
    return from_frame(
        advertising_frame(), date="date", target="Sales", channels=ADVERTISING_CHANNELS
    )
