"""The optimizer's fast path agrees with predict's forward model; objectives and bounds."""

from __future__ import annotations

import numpy as np
import pytest
from reference import hill, hill_derivative

from bayes_mmm.budget.bounds import parse_bound, resolve_bounds
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.response import build_response
from bayes_mmm.budget.scenario import current_weekly, scenario, tail_weeks
from bayes_mmm.budget.synthetic import synthetic_fit
from bayes_mmm.model.spec import ModelSpec


def _flat(fit, totals, horizon):
    return np.tile(np.asarray(totals) / horizon, (horizon, 1))


@pytest.mark.parametrize("horizon", [1, 5, 13])
def test_response_equals_scenario_incremental(demo_fit, horizon):
    """Same numbers as predict (adstock carried over from the data, l_max - 1 tail weeks)."""
    resp = build_response(demo_fit, horizon)
    totals = current_weekly(demo_fit, horizon) * horizon * np.array([1.3, 0.0, 0.7, 2.0])
    ds = scenario(demo_fit, _flat(demo_fit, totals, horizon))
    expected = ds["incremental"].stack(s=("chain", "draw")).transpose("s", "channel").values
    np.testing.assert_allclose(resp.incremental(totals), expected, rtol=1e-9, atol=1e-6)


def test_response_with_weekly_shape(demo_fit):
    horizon = 6
    shape = np.array(
        [[1, 0, 2, 1], [2, 1, 0, 1], [0, 1, 1, 1], [1, 1, 1, 1], [3, 0, 1, 1], [0, 1, 0, 1.0]]
    )
    totals = np.array([9000.0, 4000, 5000, 2000])
    resp = build_response(demo_fit, horizon, shape)
    weekly = shape / shape.sum(axis=0) * totals
    ds = scenario(demo_fit, weekly)
    expected = ds["incremental"].stack(s=("chain", "draw")).transpose("s", "channel").values
    np.testing.assert_allclose(resp.incremental(totals), expected, rtol=1e-9, atol=1e-6)


def test_gradient_matches_finite_differences(demo_fit):
    resp = build_response(demo_fit, 13)
    totals = current_weekly(demo_fit, 13) * 13
    _, grad = resp.incremental_and_grad(totals)
    for c in range(len(totals)):
        eps = 1e-4 * totals[c]
        up, down = totals.copy(), totals.copy()
        up[c] += eps
        down[c] -= eps
        numeric = (resp.incremental(up)[:, c] - resp.incremental(down)[:, c]) / (2 * eps)
        np.testing.assert_allclose(grad[:, c], numeric, rtol=1e-5)


def test_fused_view_equals_the_component_and_the_textbook_hill(demo_fit):
    """The in-place evaluation of the fast path is the saturation component's numpy pass."""
    resp = build_response(demo_fit, 4)
    totals = np.array([5000.0, 0.0, 100.0, 3000.0])
    h, d = resp._h(totals, derivative=True)
    a = resp.a0 + totals * resp.g
    params = {k: v[:, None, :] for k, v in resp.params.items()}
    np.testing.assert_allclose(h, resp.saturation.forward(a, params), rtol=1e-12)
    np.testing.assert_allclose(d, resp.saturation.derivative(a, params), rtol=1e-12)
    k, s = params["half_saturation"], params["slope"]
    np.testing.assert_allclose(h, hill(a, k, s), rtol=1e-10, atol=1e-9)  # 0 below the floor
    on = a > 1e-6  # the textbook derivative is unbounded at zero spend when the slope is < 1
    np.testing.assert_allclose(
        d[on], np.broadcast_to(hill_derivative(a, k, s), a.shape)[on], rtol=1e-8
    )


def test_response_without_adstock(demo_fit):
    data = demo_fit.data
    fit = synthetic_fit(
        data,
        roi=[1.5, 2.0, 1.0, 0.5],
        half_saturation=[1.0, 0.8, 1.2, 1.5],
        slope=[1.5, 1.0, 2.0, 0.7],
        spec=ModelSpec(adstock=False),
    )
    assert tail_weeks(fit) == 0
    totals = current_weekly(fit, 5) * 5 * np.array([2.0, 0.5, 1.0, 0.0])
    ds = scenario(fit, np.tile(totals / 5, (5, 1)))
    np.testing.assert_allclose(ds["carryover_in"], 0.0, atol=1e-4)  # hill(0) ~ 0
    expected = ds["incremental"].stack(s=("chain", "draw")).transpose("s", "channel").values
    np.testing.assert_allclose(build_response(fit, 5).incremental(totals), expected, rtol=1e-9)


def test_steady_weeks_are_evaluated_once(demo_fit):
    resp = build_response(demo_fit, 52)
    assert resp.weight.sum() == 52 + tail_weeks(demo_fit)
    assert len(resp.weight) < 30


def test_horizon_longer_than_the_data(demo_fit):
    with pytest.raises(ValueError, match="longer than the data"):
        current_weekly(demo_fit, demo_fit.data.n_dates + 1)


def test_zero_spend_gives_zero_increment(demo_fit):
    resp = build_response(demo_fit, 8)
    np.testing.assert_allclose(resp.incremental(np.zeros(4)), 0.0, atol=1e-9)


# ---- objectives -----------------------------------------------------------------------------
def test_objective_parsing_and_errors():
    assert Objective.parse("quantile:0.1") == Objective("quantile", 0.1)
    assert str(Objective.parse(" CVaR:0.05 ")) == "cvar:0.05"
    assert Objective.parse("mean").weights(10) is None
    for bad, msg in [
        ("median", "unknown objective"),
        ("quantile", "probability"),
        ("quantile:1.5", "probability"),
        ("cvar:x", "not a number"),
        ("profit:-1", "value of one unit"),
        ("mean:3", "no parameter"),
    ]:
        with pytest.raises(ValueError, match=msg):
            Objective.parse(bad)


def test_quantile_and_cvar_statistics():
    y = np.random.default_rng(0).normal(size=4000)
    q = Objective.parse("quantile:0.1").evaluate(y)
    assert q == pytest.approx(np.quantile(y, 0.1), abs=0.02)
    worst = np.sort(y)[:400].mean()
    assert Objective.parse("cvar:0.1").evaluate(y) == pytest.approx(worst, rel=1e-12)
    assert Objective.parse("profit:2").evaluate(y, spend=3.0) == pytest.approx(2 * y.mean() - 3)


def test_objective_gradient_is_the_weighted_draw_gradient():
    rng = np.random.default_rng(1)
    base, slope = rng.normal(size=500), rng.normal(size=(500, 2))
    obj = Objective.parse("quantile:0.2")
    x = np.array([0.3, -0.2])
    _, grad = obj.evaluate_and_grad(base + slope @ x, slope)
    eps = 1e-7
    for c in range(2):
        e = np.eye(2)[c] * eps
        numeric = (obj.evaluate(base + slope @ (x + e)) - obj.evaluate(base + slope @ (x - e))) / (
            2 * eps
        )
        assert grad[c] == pytest.approx(numeric, rel=1e-4)


# ---- bounds ---------------------------------------------------------------------------------
CHANNELS = ["tv", "search", "social"]
CURRENT = np.array([1000.0, 500.0, 0.0])


def test_bounds_absolute_relative_and_fixed():
    lo, hi = resolve_bounds(
        CHANNELS, CURRENT, bounds={"tv": (None, 1200)}, max_change={"tv": 0.1}, fixed=["search"]
    )
    np.testing.assert_allclose(lo, [900, 500, 0])
    np.testing.assert_allclose(hi, [1100, 500, np.inf])
    lo, hi = resolve_bounds(CHANNELS, CURRENT, max_change=0.3)
    np.testing.assert_allclose(hi, [1300, 650, 0])  # a channel at zero stays at zero
    lo, hi = resolve_bounds(CHANNELS, CURRENT, max_change={"tv": (0.1, 0.5)})
    np.testing.assert_allclose([lo[0], hi[0]], [900, 1500])


def test_bound_errors():
    with pytest.raises(ValueError, match="unknown channels"):
        resolve_bounds(CHANNELS, CURRENT, bounds={"radio": (0, 1)})
    with pytest.raises(ValueError, match="empty or negative"):
        resolve_bounds(CHANNELS, CURRENT, bounds={"tv": (5, 1)})
    with pytest.raises(ValueError, match="fraction"):
        resolve_bounds(CHANNELS, CURRENT, max_change=-0.5)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tv=100:2000", ("tv", (100.0, 2000.0))),
        ("tv=-30%:+30%", ("tv", (700.0, 1300.0))),
        ("search=:800", ("search", (None, 800.0))),
        ("search=10%:", ("search", (550.0, None))),
    ],
)
def test_parse_bound(text, expected):
    name, (lo, hi) = parse_bound(text, CHANNELS, CURRENT)
    assert name == expected[0]
    assert lo == pytest.approx(expected[1][0]) if expected[1][0] is not None else lo is None
    assert hi == pytest.approx(expected[1][1]) if expected[1][1] is not None else hi is None


@pytest.mark.parametrize(
    "text, msg",
    [
        ("tv", "CHANNEL=LO:HI"),
        ("tv=5", "CHANNEL=LO:HI"),
        ("radio=1:2", "unknown"),
        ("tv=a:2", "not a number"),
    ],
)
def test_parse_bound_errors(text, msg):
    with pytest.raises(ValueError, match=msg):
        parse_bound(text, CHANNELS, CURRENT)
