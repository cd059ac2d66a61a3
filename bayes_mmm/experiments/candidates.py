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

On a geo fit a column ``geo`` says where a test runs (one geo, several joined by ``+``, empty
for every geo); ``spend``, ``delta_spend`` and the noise are then those of the tested geos
together. ``"default"`` adds, per channel, go-dark and +50% 4-week tests in its test cell:
the fewest geos with the most spend on the channel that hold ``CELL_SHARE`` of it.
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
CELL_SHARE = 0.25  # a default geo test runs in the largest geos holding this share of spend
CELL_DESIGNS = (("go_dark", 4), ("+50%", 4))


def default_candidates(channels, data=None) -> pd.DataFrame:
    """Every channel x ``DEFAULT_DESIGNS``; on geo ``data`` in every geo, and
    ``CELL_DESIGNS`` in each channel's test cell (:func:`geo_cell`)."""
    rows = [(ch, change, weeks) for ch in channels for change, weeks in DEFAULT_DESIGNS]
    table = pd.DataFrame(rows, columns=["channel", "change", "weeks"])
    if data is None or data.n_geos < 2:
        return table
    cells = [(ch, change, weeks, geo_cell(data, ch)) for ch in channels
             for change, weeks in CELL_DESIGNS]  # fmt: skip
    cells = pd.DataFrame(cells, columns=["channel", "change", "weeks", "geo"])
    return pd.concat([table.assign(geo=""), cells], ignore_index=True)


def geo_cell(data, channel: str) -> str:
    """The fewest geos with the most spend on ``channel`` holding ``CELL_SHARE`` of it."""
    spent = data.geo_spend[:, :, data.channels.index(channel)].sum(axis=1)
    order = np.argsort(-spent, kind="stable")
    n = int(np.searchsorted(np.cumsum(spent[order]) / spent.sum(), CELL_SHARE) + 1)
    return "+".join(data.geos[i] for i in sorted(order[:n]))


def _change_problems(table: pd.DataFrame, spend: pd.Series, delta: list, geos) -> list[str]:
    """Rows whose change is not understood, and rows with no recent spend to change (a test
    there would measure nothing), all at once."""
    problems = []
    idle = [f"{i} ({table['channel'][i]}{f' in {geos[i]}' if geos[i] else ''})"
            for i, v in enumerate(spend) if v == 0]  # fmt: skip
    if idle:
        problems.append(f"candidate tests: no spend in the last {RECENT_WEEKS} periods to "
                        f"change in rows {', '.join(idle)}")  # fmt: skip
    bad = [i for i, d in enumerate(delta) if d is None]
    if bad:
        problems.append(
            f"candidate tests: column 'change' is not go_dark, +/-N% or a number in rows {bad}"
        )
    return problems


def _recent(data, table: pd.DataFrame, geos) -> pd.Series:
    """Each test's weekly spend before it: the channel's mean over the last ``RECENT_WEEKS``
    periods, in the tested geos together."""
    n = min(RECENT_WEEKS, data.n_dates)
    recent = data.geo_spend[:, -n:].mean(axis=1)  # (geo, channel)
    out = []
    for ch, where in zip(table["channel"], geos, strict=True):
        if ch not in data.channels:
            out.append(np.nan)  # named by parse_lift_tests
            continue
        idx = [data.geos.index(g) for g in where.split("+") if g in data.geos] if where else None
        column = recent[:, data.channels.index(ch)]
        if idx == []:  # only unknown geos: named by parse_lift_tests
            out.append(np.nan)
            continue
        out.append(float(column.sum() if idx is None else column[idx].sum()))
    return pd.Series(out, index=table.index)


def _noise(fit, geos, measured: pd.Series, noise_scale: float) -> np.ndarray:
    """``noise_scale x`` the residual noise of the tested geos' outcome together x
    ``sqrt(measured weeks)`` (user units); with ``geo_noise="shared"`` the weekly shock
    common to the tested geos too."""
    data, sigma = fit.data, fit.posterior[D.SIGMA].mean(D.SAMPLE_DIMS).values
    if data.n_geos < 2:
        return noise_scale * float(sigma) * fit.scales.target * np.sqrt(measured)
    from bayes_mmm.model.geo import GeoScales

    target = GeoScales.from_data(data).target
    var = (np.atleast_1d(sigma) * target) ** 2  # (geo,)
    post = fit.posterior
    tau = float(post[D.SIGMA_SHARED].mean()) if D.SIGMA_SHARED in post else 0.0
    idx = [[data.geos.index(g) for g in w.split("+") if g in data.geos] if w else
           list(range(data.n_geos)) for w in geos]  # fmt: skip
    weekly = [var[i].sum() + (tau * target[i].sum()) ** 2 for i in idx]
    return noise_scale * np.sqrt(weekly) * np.sqrt(measured)


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
            candidates = default_candidates(data.paid_channels, data)
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
    geo = data.n_geos > 1
    if geo and "geo" not in table.columns:  # the data's own geo column name, or every geo
        table["geo"] = table.pop(data.geo_name) if data.geo_name in table.columns else ""
    geos = table["geo"].fillna("").astype(str).str.strip() if geo else [""] * len(table)
    spend = _recent(data, table, geos)
    delta = [
        _delta(c, s) if np.isfinite(s) else 0.0
        for c, s in zip(table["change"], spend.fillna(np.nan), strict=True)
    ]
    problems = _change_problems(table, spend, delta, geos)
    if problems:
        raise DataValidationError(problems)
    table["spend"] = spend
    table["delta_spend"] = delta
    if "carryover_weeks" not in table.columns:
        table["carryover_weeks"] = CARRYOVER_WEEKS
    if "sigma" not in table.columns:
        measured = pd.to_numeric(table["weeks"], errors="coerce") + table["carryover_weeks"]
        table["sigma"] = _noise(fit, geos, measured, noise_scale)
    checked = parse_lift_tests(table.assign(lift=0.0), data.channels,
                               data.geos if geo else None)  # fmt: skip
    labels = [_label(r, g if geo else None) for r, g in zip(table.itertuples(), geos, strict=True)]
    table.insert(0, "design", labels)
    cols = ["design", "channel", "change", "weeks", "carryover_weeks", "spend", "delta_spend"]
    return checked, table[[*cols, *(["geo"] if geo else []), "sigma"]]


def _label(r, geo: str | None) -> str:
    where = "" if geo is None else f" in {geo or 'every geo'}"
    return f"{r.channel} {r.change} {int(r.weeks)}w{where}"
