"""The simulator and the bundled demo: deterministic, and the truth matches the data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from reference import geometric_adstock, hill

import bayes_mmm as bm
from bayes_mmm.data.demo import DEMO_CHANNELS, demo_frame, demo_truth

CHANNELS = ("tv", "search", "social")
PATTERNS = ("always_on", "flighted", "growing")


@pytest.fixture(scope="module")
def sim() -> bm.Simulation:
    return bm.simulate(104, channels=CHANNELS, patterns=PATTERNS, seed=7)


def assert_truth_equal(a: bm.Truth, b: bm.Truth) -> None:
    da, db = a.to_dict(), b.to_dict()
    assert da == db
    pd.testing.assert_frame_equal(a.contributions, b.contributions, check_freq=False)


def test_same_seed_same_simulation(sim):
    again = bm.simulate(104, channels=CHANNELS, patterns=PATTERNS, seed=7)
    pd.testing.assert_frame_equal(sim.frame, again.frame)
    assert_truth_equal(sim.truth, again.truth)


def test_other_seed_other_simulation(sim):
    other = bm.simulate(104, channels=CHANNELS, patterns=PATTERNS, seed=8)
    assert not np.allclose(other.frame["sales"], sim.frame["sales"])
    assert other.truth.decay != sim.truth.decay


def test_frame_layout(sim):
    assert list(sim.frame.columns) == ["date", "sales", *CHANNELS, "promo"]
    assert sim.channels == list(CHANNELS) and sim.controls == ["promo"]
    assert len(sim.frame) == 104
    assert (sim.frame["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert (sim.frame[list(CHANNELS)] >= 0).all().all()
    data = sim.to_data()  # a simulation is valid input
    assert data.n_dates == 104 and data.period_days == 7


def test_given_parameters_are_used():
    s = bm.simulate(60, channels=("a", "b"), roi=[1.5, 0.5], decay=0.3, slope=2.0, seed=1)
    assert s.truth.decay == (0.3, 0.3)
    assert s.truth.slope == (2.0, 2.0)
    np.testing.assert_allclose(s.truth.roi, [1.5, 0.5], rtol=1e-12)


def test_truth_roi_is_contribution_over_spend(sim):
    t = sim.truth
    for i, ch in enumerate(t.channels):
        expected = t.contributions[ch].sum() / sim.frame[ch].sum()
        assert t.roi[i] == pytest.approx(expected, rel=1e-12)


def test_truth_contributions_follow_the_transforms(sim):
    t = sim.truth
    spend = sim.frame[list(CHANNELS)].to_numpy()
    sat = hill(
        geometric_adstock(spend / np.array(t.mean_spend), np.array(t.decay), t.l_max),
        np.array(t.half_saturation),
        np.array(t.slope),
    )
    np.testing.assert_allclose(sat * np.array(t.beta), t.contributions[list(CHANNELS)], rtol=1e-10)


def test_steady_response_is_what_constant_spend_settles_to():
    """With the same spend every week, each channel's true contribution from week l_max on
    is ``Truth.steady_response`` of that spend (and before it, carryover is still building);
    ``Truth.lift`` is the difference of two such responses."""
    t = bm.simulate(30, ["tv", "search"], spend_variability=0.0, seed=1).truth
    for j, ch in enumerate(t.channels):
        settled = t.contributions[ch].to_numpy()[t.l_max - 1 :]
        steady = t.steady_response(ch, t.mean_spend[j])[0]
        np.testing.assert_allclose(settled, steady, rtol=1e-12)
        assert t.contributions[ch].iloc[0] < settled[0]
        spend = np.array([t.mean_spend[j], 0.0])
        lift = t.lift(ch, spend, [-t.mean_spend[j], 2 * t.mean_spend[j]])
        np.testing.assert_allclose(lift[0], -settled[0], rtol=1e-12)
        assert lift[1] == pytest.approx(t.steady_response(ch, 2 * t.mean_spend[j])[0])


def test_outcome_is_components_plus_noise(sim):
    t = sim.truth
    resid = sim.frame["sales"].to_numpy() - t.contributions.sum(axis=1).to_numpy()
    assert abs(resid.mean()) < 4 * t.sigma / np.sqrt(len(resid))
    assert resid.std() == pytest.approx(t.sigma, rel=0.25)


def test_flighted_channel_has_zero_weeks(sim):
    spend = sim.frame
    assert (spend["search"] == 0).sum() >= 10  # flighted
    assert (spend["search"] > 0).sum() >= 10
    assert (spend["tv"] > 0).all()  # always on
    assert (spend["social"] > 0).all()  # growing
    # no spend, no contribution beyond the adstock window
    contrib = sim.truth.contributions["search"].to_numpy()
    on = spend["search"].to_numpy() > 0
    window = np.convolve(on, np.ones(sim.truth.l_max), mode="full")[: len(on)] > 0
    assert np.all(contrib[~window] < 1e-6 * contrib.max())


def test_growing_channel_trends_up(sim):
    social = sim.frame["social"].to_numpy()
    slope = np.polyfit(np.arange(len(social)), social, 1)[0]
    assert slope > 0
    half = len(social) // 2
    assert social[half:].mean() > 1.5 * social[:half].mean()
    tv = sim.frame["tv"].to_numpy()  # always on: no such growth
    assert tv[half:].mean() < 1.5 * tv[:half].mean()


def test_unknown_pattern():
    with pytest.raises(ValueError, match="unknown spend pattern 'pulsing'"):
        bm.simulate(30, channels=("a",), patterns=("pulsing",))


def test_daily_simulation():
    s = bm.simulate(50, channels=("a", "b"), period_days=1, seed=2)
    assert (s.frame["date"].diff().dropna() == pd.Timedelta(days=1)).all()
    assert s.to_data().period_days == 1


def test_truth_dict_round_trip(sim):
    t = sim.truth
    again = bm.Truth.from_dict(json.loads(t.to_json()))
    assert_truth_equal(t, again)
    assert again.channels == t.channels and isinstance(again.channels, tuple)
    assert again.roi == t.roi
    assert again.l_max == t.l_max
    assert list(again.contributions.columns) == list(t.contributions.columns)
    pd.testing.assert_series_equal(again.roi_series(), t.roi_series())


# ---- the bundled demo ------------------------------------------------------------------------
def test_demo_loads():
    data, truth = bm.load_demo()
    assert data.n_dates == 156 and data.period_days == 7
    assert data.channels == tuple(DEMO_CHANNELS) == truth.channels
    assert data.control_names == ("promo",)


def test_demo_truth_is_consistent_with_demo_csv():
    df = demo_frame()
    t = demo_truth()
    assert (pd.DatetimeIndex(df["date"]) == t.contributions.index).all()
    spend = df[list(t.channels)].to_numpy(float)
    # the CSV holds spend rounded to cents; its mean is the truth's up to that rounding
    np.testing.assert_allclose(spend.mean(axis=0), t.mean_spend, rtol=1e-5)
    sat = hill(
        geometric_adstock(spend / np.array(t.mean_spend), np.array(t.decay), t.l_max),
        np.array(t.half_saturation),
        np.array(t.slope),
    )
    media = sat * np.array(t.beta)
    truth_media = t.contributions[list(t.channels)].to_numpy()
    np.testing.assert_allclose(media, truth_media, rtol=1e-4, atol=0.05)
    np.testing.assert_allclose(media.sum(axis=0) / spend.sum(axis=0), t.roi, rtol=1e-5)
    # the other components: baseline, trend over the window, promo effect
    c = t.contributions
    np.testing.assert_allclose(c["baseline"], t.baseline)
    assert c["trend"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert c["trend"].iloc[-1] == pytest.approx(t.trend)
    np.testing.assert_allclose(c["promo"], df["promo"].to_numpy() * t.control_coef[0])
    resid = df["sales"].to_numpy() - c.sum(axis=1).to_numpy()
    assert resid.std() == pytest.approx(t.sigma, rel=0.2)
    assert abs(resid.mean()) < 4 * t.sigma / np.sqrt(len(resid))


def test_demo_patterns():
    df = demo_frame()
    t = demo_truth()
    pattern = dict(zip(t.channels, t.patterns, strict=True))
    flighted = [c for c, p in pattern.items() if p == "flighted"]
    growing = [c for c, p in pattern.items() if p == "growing"]
    assert flighted and growing
    for c in flighted:
        assert (df[c] == 0).any()
    for c in growing:
        assert np.polyfit(np.arange(len(df)), df[c].to_numpy(), 1)[0] > 0
