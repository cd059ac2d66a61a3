"""The simulator's non-linear baselines, trending controls, holiday weeks and the
retailer-like preset: the truth is that of the data returned."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.data import simulate_retailer
from bayes_mmm.data.problems import DataWarning
from bayes_mmm.data.simulate_baseline import BASELINE_SHAPES, baseline_drift, holiday_columns
from bayes_mmm.data.trendcheck import trend_like, trend_like_controls

CHANNELS = ("tv", "search", "social")


def _residual(sim: bm.Simulation) -> np.ndarray:
    parts = sim.truth.contributions.sum(axis=1).to_numpy()
    return sim.frame[sim.target].to_numpy() - parts


@pytest.mark.parametrize("shape", [*BASELINE_SHAPES, "shock+cycle"])
def test_each_baseline_shape_is_in_the_truth(shape):
    """Outcome = the truth's components + noise of the truth's sigma; ROI = contribution /
    spend of the data returned; ``trend`` is the drift's change over the window."""
    sim = bm.simulate(156, CHANNELS, seed=4, baseline=shape, trend=0.3, spend_trend=0.5)
    t = sim.truth
    resid = _residual(sim)
    assert abs(resid.std() / t.sigma - 1) < 0.2 and abs(resid.mean()) < 0.3 * t.sigma
    spend = sim.frame[list(CHANNELS)].to_numpy()
    media = t.contributions[list(CHANNELS)].to_numpy()
    np.testing.assert_allclose(t.roi, media.sum(0) / spend.sum(0), rtol=1e-12)
    np.testing.assert_allclose(t.mean_spend, spend.mean(0), rtol=1e-12)
    drift = t.contributions["trend"].to_numpy()
    assert drift[0] == pytest.approx(0.0, abs=1e-9 * t.baseline)
    assert t.trend == pytest.approx(drift[-1] - drift[0])


def test_shapes_look_like_their_names():
    rng = np.random.default_rng(0)
    n = 200
    growth = baseline_drift("growth", n, 0.4, rng)
    assert np.all(np.diff(growth) >= -1e-12) and growth[-1] == pytest.approx(0.4)
    shift = baseline_drift("level_shift", n, 0.3, rng)
    jumps = np.abs(np.diff(shift))
    assert jumps.max() > 0.04 and (jumps > 0.003).sum() <= 14  # one smooth step, ~10 periods
    shock = baseline_drift("shock", n, 0.35, rng)
    low = int(np.argmin(shock))
    assert shock[low] == pytest.approx(-0.35, rel=0.05) and shock[-1] > 0.5 * shock[low]
    cycle = baseline_drift("cycle", n, 0.2, rng)
    assert np.ptp(cycle) > 0.3 and np.sum(np.diff(np.sign(np.diff(cycle))) != 0) >= 1
    with pytest.raises(ValueError, match="unknown baseline shape 'wavy'"):
        baseline_drift("wavy", n, 0.1, rng)


def test_spend_trends_with_the_baseline_and_rises_in_holidays():
    flat = bm.simulate(156, CHANNELS, seed=2, baseline="growth", trend=0.5)
    trending = bm.simulate(156, CHANNELS, seed=2, baseline="growth", trend=0.5, spend_trend=1.0)
    drift = trending.truth.contributions["trend"].to_numpy()

    def corr(sim):
        return np.corrcoef(sim.frame[list(CHANNELS)].sum(axis=1), drift)[0, 1]

    assert corr(trending) > corr(flat) + 0.3
    hol = bm.simulate(156, CHANNELS, seed=2, holidays=("christmas",), holiday_lift=1.0)
    on = hol.frame["christmas"].to_numpy() == 1
    assert on.sum() == 3  # one week a year
    total = hol.frame[list(CHANNELS)].sum(axis=1).to_numpy()
    assert total[on].mean() > 1.5 * total[~on].mean()
    effect = hol.truth.contributions["christmas"].to_numpy()
    np.testing.assert_allclose(effect[on], 0.2 * hol.truth.baseline)


def test_holiday_weeks_hold_the_holiday():
    dates = pd.date_range("2021-01-04", periods=156, freq="7D")
    cols = holiday_columns(("black_friday", "christmas"), dates)
    for name, day in (("black_friday", "2022-11-25"), ("christmas", "2023-12-25")):
        week = dates[cols[name] == 1]
        hit = [d for d in week if d <= pd.Timestamp(day) < d + pd.Timedelta(days=7)]
        assert len(hit) == 1 and len(week) == 3


def test_retailer_preset():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        sim = simulate_retailer(seed=0)
        data = sim.to_data()
    assert data.n_dates == 209 and data.n_channels == 10
    assert len(sim.controls) == 9 and {"black_friday", "christmas"} <= set(sim.controls)
    t = sim.truth
    resid = _residual(sim)
    assert abs(resid.std() / t.sigma - 1) < 0.2
    spend = sim.frame[list(t.channels)].to_numpy()
    media = t.contributions[list(t.channels)].to_numpy()
    np.testing.assert_allclose(t.roi, media.sum(0) / spend.sum(0), rtol=1e-12)
    # store count and sentiment trend; spend follows the business
    assert trend_like(sim.frame["store_count"].to_numpy())[0] > 0.9
    assert np.corrcoef(sim.frame["sentiment"], t.contributions["trend"])[0, 1] > 0.6


# ---- the data check: controls that duplicate the trend ----------------------------------------
def _frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame(
        {
            "date": pd.date_range("2022-01-03", periods=n, freq="7D"),
            "sales": 100 + rng.normal(0, 5, n),
            "tv": rng.uniform(10, 20, n),
            "store_count": 200 + t + rng.normal(0, 2, n),  # a straight line in time
            "sentiment": 100 + 10 * np.sin(2 * np.pi * t / n) + rng.normal(0, 0.5, n),
            "promo": (rng.random(n) < 0.2).astype(float),
        }
    )


def test_trend_like_controls_are_named_with_advice():
    df = _frame()
    lines = trend_like_controls(df, ["store_count", "sentiment", "promo"])
    assert len(lines) == 2
    store, sentiment = lines
    assert "'store_count' nearly duplicates the trend (correlation with time" in store
    assert "'sentiment' is nearly a smooth function of time" in sentiment
    for line in lines:
        assert "Drop" in line and "difference it" in line and "detrend it" in line
        assert "--baseline smooth" in line


def test_reading_data_warns_about_a_trend_like_control():
    """A user's names (spaces, capitals, unicode): the warning names their column."""
    names = {"date": "Week Start", "sales": "Umsätze", "tv": "TV spend", "store_count": "Stores"}
    df = _frame().rename(columns=names)
    args = dict(date="Week Start", target="Umsätze", channels=["TV spend"])
    with pytest.warns(DataWarning, match="control 'Stores' nearly duplicates the trend"):
        bm.from_frame(df, **args, controls=["Stores"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # a detrended column passes quietly
        df["Stores"] = np.diff(df["Stores"], prepend=df["Stores"].iloc[0])
        bm.from_frame(df, **args, controls=["Stores"])
        bm.from_frame(df, **args, controls=["promo"])
