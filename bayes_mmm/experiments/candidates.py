"""Candidate test designs: channel x spend change x weeks, as windowed lift tests to value.

A table with columns ``channel``, ``change`` (``go_dark``, ``-50%``, ``+50%`` or any
``+/-N%``, or a number: the change of weekly spend in the user's units), ``weeks`` and
optionally ``carryover_weeks`` (default 2) and ``sigma`` (the standard error of the measured
lift; default ``noise_scale x`` the model's residual noise ``x sqrt(measured weeks)``: the
precision of a read against a known counterfactual; matched-market tests are typically 1.5-3x
noisier). The test runs from each channel's mean weekly spend over the last 13 periods.
``"default"``: every paid channel x (go dark 2 and 4 weeks, -50% 4 weeks, +50% 4 and 8
weeks). Organic channels (no spend) are refused: the budget decision does not involve them,
and their exposure is not money a test would save or add.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.data.problems import DataValidationError
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D

DEFAULT_DESIGNS = (("go_dark", 2), ("go_dark", 4), ("-50%", 4), ("+50%", 4), ("+50%", 8))
RECENT_WEEKS = 13
CARRYOVER_WEEKS = 2


def default_candidates(channels) -> pd.DataFrame:
    rows = [(ch, change, weeks) for ch in channels for change, weeks in DEFAULT_DESIGNS]
    return pd.DataFrame(rows, columns=["channel", "change", "weeks"])


def _delta(change, spend: float) -> float | None:
    text = str(change).strip().lower()
    if text in ("go_dark", "go-dark", "dark"):
        return -spend
    try:
        return spend * float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None


def candidate_tests(
    fit: MMMFit, candidates: pd.DataFrame | str = "default", noise_scale: float = 1.0
) -> tuple[LiftTests, pd.DataFrame]:
    """The candidates as windowed :class:`LiftTests` (``lift`` 0: nothing measured yet) and
    a table describing each design. Bad rows are named all at once."""
    data = fit.data
    if isinstance(candidates, str):
        if candidates != "default":
            candidates = pd.read_csv(candidates)
        else:
            candidates = default_candidates(data.paid_channels)
    table = candidates.reset_index(drop=True).copy()
    missing = [c for c in ("channel", "change", "weeks") if c not in table.columns]
    if missing:
        raise DataValidationError([f"candidate tests: columns {missing} are missing"])
    organic = [i for i, ch in enumerate(table["channel"]) if ch in data.organic]
    if organic:
        names = sorted({table["channel"][i] for i in organic})
        raise DataValidationError(
            [
                f"candidate tests: rows {organic} test organic channels {names}: they have "
                "no spend and are not part of the budget decision; test paid channels"
            ]
        )
    n = min(RECENT_WEEKS, data.n_dates)
    recent = dict(zip(data.channels, data.spend[-n:].mean(axis=0), strict=True))
    spend = table["channel"].map(recent)
    delta = [
        _delta(c, s) if np.isfinite(s) else 0.0
        for c, s in zip(table["change"], spend.fillna(np.nan), strict=True)
    ]
    bad = [i for i, d in enumerate(delta) if d is None]
    if bad:
        raise DataValidationError(
            [f"candidate tests: column 'change' is not go_dark, +/-N% or a number in rows {bad}"]
        )
    table["spend"] = spend
    table["delta_spend"] = delta
    if "carryover_weeks" not in table.columns:
        table["carryover_weeks"] = CARRYOVER_WEEKS
    if "sigma" not in table.columns:
        resid = float(fit.posterior[D.SIGMA].mean()) * fit.scales.target
        measured = pd.to_numeric(table["weeks"], errors="coerce") + table["carryover_weeks"]
        table["sigma"] = noise_scale * resid * np.sqrt(measured)
    tests = parse_lift_tests(table.assign(lift=0.0), data.channels)  # names every bad value
    table.insert(0, "design", [_label(r) for r in table.itertuples()])
    cols = ["design", "channel", "change", "weeks", "carryover_weeks", "spend", "delta_spend"]
    return tests, table[[*cols, "sigma"]]


def _label(r) -> str:
    return f"{r.channel} {r.change} {int(r.weeks)}w"
