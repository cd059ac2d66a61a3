"""The demo dataset bundled with the package (CSV + JSON truth in data/datasets/)."""

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
