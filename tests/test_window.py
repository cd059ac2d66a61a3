"""Windowed lift tests (a spend change over weeks, lift measured with carryover): the file
format, the likelihood term against its numpy twin (the forward model's counterfactual spend
paths), the truth's lift, and (slow) that a windowed test informs the decay where a
steady-state test does not."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytensor
import pytest

import bayes_mmm as bm
from bayes_mmm.budget.synthetic import truth_fit
from bayes_mmm.experiments.window import window_lift
from bayes_mmm.model import dims as D

CH = ("tv", "search")
WINDOW_TESTS = pd.DataFrame(
    {
        "channel": ["tv", "search", "tv", "tv"],
        "spend": [1500.0, 800.0, 1500.0, 1500.0],
        "delta_spend": [-1500.0, 400.0, -750.0, -1500.0],
        "weeks": [4, 3, np.nan, 4],  # row 2 is a steady-state test
        "carryover_weeks": [0, 0, np.nan, 3],
        "measured_from": [0, 0, np.nan, 4],  # row 3: the carryover after row 0's test
        "lift": [-7000.0, 1000.0, -900.0, -2000.0],
        "sigma": [700.0, 150.0, 150.0, 400.0],
    }
)


@pytest.fixture(scope="module")
def window_fit() -> bm.MMMFit:
    data, _ = bm.load_demo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(
            data.with_lift_tests(WINDOW_TESTS),
            chains=2,
            draws=100,
            tune=150,
            seed=3,
            progress=False,
        )


# ---- format ---------------------------------------------------------------------------------
def test_windowed_columns_are_read_and_checked():
    tests = bm.parse_lift_tests(WINDOW_TESTS, ("tv", "search"))
    assert tests.windowed.tolist() == [True, True, False, True]
    assert tests.weeks.tolist() == [4, 3, 0, 4] and tests.measured_from.tolist() == [0, 0, 0, 4]
    back = bm.LiftTests.from_records(tests.to_records())
    assert back.to_frame().equals(tests.to_frame())
    old = WINDOW_TESTS.drop(columns=["weeks", "carryover_weeks", "measured_from"])
    old = bm.parse_lift_tests(old, CH)
    assert not old.windowed.any() and "weeks" not in old.to_frame()  # the old format as before
    bad = WINDOW_TESTS.assign(weeks=[2.5, 0, np.nan, 4], carryover_weeks=[-1, 0, 3, 0])
    with pytest.raises(bm.DataValidationError) as err:
        bm.parse_lift_tests(bad, ("tv", "search"))
    problems = err.value.problems
    assert any("'weeks' is not a whole number" in p and "rows 0 (2.5), 1 (0" in p for p in problems)
    assert any("'carryover_weeks' is not a whole number" in p and "row 0" in p for p in problems)
    assert any("given without 'weeks' in row 2" in p for p in problems)
    assert any("'measured_from' leaves no period" in p and "row 3" in p for p in problems)
    with pytest.raises(bm.DataValidationError, match="need the column 'weeks'"):
        bm.parse_lift_tests(WINDOW_TESTS.drop(columns="weeks"), ("tv", "search"))


# ---- the likelihood term and its numpy twin -------------------------------------------------
def test_model_term_equals_the_forward_model(window_fit):
    """The PyMC graph's mean of each windowed test, at posterior draws, equals the difference
    of the forward model's contributions along the two spend paths (user units)."""
    model = window_fit.model()
    assert {D.WINDOW_OBS, D.LIFT_OBS} <= {rv.name for rv in model.observed_RVs}
    node = model[D.WINDOW_OBS].owner
    fn = pytensor.function(model.free_RVs, node.op.dist_params(node)[0], on_unused_input="ignore")
    names = [rv.name for rv in model.free_RVs]
    draws = window_fit.draws(*names)
    lift = bm.lift_draws(window_fit).stack(s=D.SAMPLE_DIMS).transpose("s", ...).values
    for s in (0, 77, 199):
        graph = fn(*[draws[n][s] for n in names]) * window_fit.scales.target
        np.testing.assert_allclose(graph, lift[s, [0, 1, 3]], rtol=1e-9)
    assert (lift[:, [0, 3]] < 0).all() and (lift[:, 1] > 0).all()


def test_long_window_of_a_small_change_is_weeks_times_the_steady_lift(window_fit):
    """Adstock moves spend in time without losing any: measured until the carryover has
    faded, a small change for T weeks lifts the outcome by T x its steady-state weekly lift;
    measured over the test alone, by less (the effect builds up), more so the slower the decay."""
    lags = window_fit.spec.n_lags
    plan = pd.DataFrame(
        {"channel": "tv", "spend": 1500.0, "delta_spend": -1.0, "weeks": 4, "carryover_weeks": 0},
        index=[0],
    )
    full = plan.assign(carryover_weeks=lags - 1)
    steady = bm.lift_draws(window_fit, plan.drop(columns=["weeks", "carryover_weeks"]))
    long = bm.lift_draws(window_fit, full)
    short = bm.lift_draws(window_fit, plan)
    np.testing.assert_allclose(long, 4 * steady, rtol=1e-3)
    realised = (short / long).values.ravel()
    assert ((realised > 0) & (realised < 1)).all()
    decay = window_fit.posterior[D.DECAY].sel(channel="tv").values.ravel()
    assert np.corrcoef(decay, realised)[0, 1] < -0.9


def test_truth_lift_through_the_truth_fit():
    """A go-dark test on the simulation's true parameters: with a one-week test measured in
    the same week, the lift is ``beta * (h(x0 (1 - w_0)) - h(x0))`` by hand."""
    sim = bm.simulate(60, ("tv", "search"), roi=[2.0, 1.0], decay=[0.6, 0.2], seed=1)
    fit = truth_fit(sim)
    tests = bm.parse_lift_tests(
        WINDOW_TESTS.iloc[:1].assign(weeks=1, carryover_weeks=0), ("tv", "search")
    )
    got = window_lift(fit.forward(), tests, ("tv", "search"))[0, 0]
    f = fit.forward()
    w0 = f.weights()[0, 0, 0]
    x0 = 1500.0 / fit.scales.spend[0]
    sat = fit.spec.saturation_component
    p = {k: v[:, 0, 0, :1] for k, v in f.media_params.items()}
    h = sat.forward(np.array([[x0 * (1 - w0)], [x0]]), p)
    np.testing.assert_allclose(got, f.draws["beta"][0, 0] * (h[0, 0] - h[1, 0]), rtol=1e-10)


# ---- statistics: a windowed test informs the decay, a steady-state test does not ----------
DECAY_CHANNELS = ("tv", "search", "social")


def decay_world(seed: int):
    sim = bm.simulate(
        104,
        DECAY_CHANNELS,
        ["always_on", "always_on", "flighted"],
        roi=[2.0, 1.0, 1.2],
        decay=[0.7, 0.3, 0.4],
        noise=0.08,
        seed=seed,
    )
    return sim, sim.to_data()


def true_tests(sim, data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 4-week go-dark test of tv at its mean spend reported as its lift during the test
    and in the 4 weeks after (truth through ``truth_fit``), 5% error; and the steady-state
    go-dark test of the same spend (``Truth.lift``), 5% error."""
    spend = float(data.spend[:, 0].mean())
    window = pd.DataFrame(
        {
            "channel": "tv",
            "spend": spend,
            "delta_spend": -spend,
            "weeks": 4,
            "carryover_weeks": [0, 4],
            "measured_from": [0, 4],
            "lift": 0.0,
            "sigma": 1.0,
        }
    )
    tests = bm.parse_lift_tests(window, DECAY_CHANNELS)
    lift = window_lift(truth_fit(sim).forward(), tests, DECAY_CHANNELS)[0]
    window = window.assign(lift=lift, sigma=0.05 * np.abs(lift).sum())
    steady_lift = float(sim.truth.lift("tv", spend, -spend)[0])
    steady = window.iloc[:1].drop(columns=["weeks", "carryover_weeks", "measured_from"])
    return window, steady.assign(lift=steady_lift, sigma=0.05 * abs(steady_lift))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_windowed_test_narrows_the_decay(seed):
    """True tv decay 0.7. Measured (2 x 300 draws), tv decay 90% interval width / mean:
    seed 1 sales only 0.24 / 0.69, steady-state test 0.25 / 0.69, windowed 0.13 / 0.73;
    seed 2: 0.57 / 0.52, 0.48 / 0.55, 0.16 / 0.66. A model whose test term ignored the
    adstock could not narrow it."""
    sim, data = decay_world(seed)
    window, steady = true_tests(sim, data)
    width, interval = {}, {}
    for name, tests in (("none", None), ("steady", steady), ("window", window)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bm.SamplingWarning)
            fit = bm.fit(
                data.with_lift_tests(tests), chains=2, draws=300, tune=300, seed=1, progress=False
            )
        decay = fit.posterior[D.DECAY].sel(channel="tv").values.ravel()
        lo, hi = np.quantile(decay, [0.05, 0.95])
        width[name], interval[name] = hi - lo, (lo, hi)
    assert width["window"] < 0.6 * min(width["none"], width["steady"])
    assert width["steady"] > 0.8 * width["none"]
    assert interval["window"][0] < 0.7 < interval["window"][1]
