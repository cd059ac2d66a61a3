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
        "channel": ["tv", "search", "tv"],
        "spend": [1500.0, 800.0, 1500.0],
        "delta_spend": [-1500.0, 400.0, -750.0],
        "weeks": [4, 3, np.nan],  # the last row is a steady-state test
        "carryover_weeks": [2, 0, np.nan],
        "lift": [-9000.0, 1000.0, -900.0],
        "sigma": [900.0, 150.0, 150.0],
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
    assert tests.windowed.tolist() == [True, True, False]
    assert tests.weeks.tolist() == [4, 3, 0] and tests.carryover_weeks.tolist() == [2, 0, 0]
    back = bm.LiftTests.from_records(tests.to_records())
    assert back.to_frame().equals(tests.to_frame())
    old = bm.parse_lift_tests(WINDOW_TESTS.drop(columns=["weeks", "carryover_weeks"]), CH)
    assert not old.windowed.any() and "weeks" not in old.to_frame()  # the old format as before
    bad = WINDOW_TESTS.assign(weeks=[2.5, 0, np.nan], carryover_weeks=[-1, 0, 3])
    with pytest.raises(bm.DataValidationError) as err:
        bm.parse_lift_tests(bad, ("tv", "search"))
    problems = err.value.problems
    assert any("'weeks' is not a whole number" in p and "rows 0 (2.5), 1 (0" in p for p in problems)
    assert any("'carryover_weeks' is not a whole number" in p and "row 0" in p for p in problems)
    assert any("'carryover_weeks' given without 'weeks' in row 2" in p for p in problems)
    with pytest.raises(bm.DataValidationError, match="needs the column 'weeks'"):
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
        np.testing.assert_allclose(graph, lift[s, :2], rtol=1e-9)
    assert (lift[:, 0] < 0).all() and (lift[:, 1] > 0).all()


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
