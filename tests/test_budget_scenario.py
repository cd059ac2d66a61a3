"""Scenarios on the demo fit, and the seeds' budget workflows reproduced with uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_mmm.analysis import draws as predict
from bayes_mmm.budget import (
    best_budget,
    current_plan,
    frontier,
    optimize,
    scaled_plan,
    scenario,
    summarize,
    what_ifs,
)
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.scenario import tail_weeks

H = 13


def test_current_plan_is_recent_mean_weekly_spend(demo_fit):
    plan = current_plan(demo_fit, H)
    assert plan.shape == (H, 4)
    np.testing.assert_allclose(plan.iloc[0], demo_fit.data.spend[-H:].mean(axis=0))
    assert plan.index[0] == predict.future_dates(demo_fit, 1)[0]
    ds = scenario(demo_fit, plan)
    np.testing.assert_allclose(ds["vs_current"].values, 0.0, atol=1e-6)


def test_scenario_decomposition(demo_fit):
    ds = scenario(demo_fit, scale={"tv": 1.2, "search": 0.5}, horizon=H)
    media = ds["media"].sum("channel")
    np.testing.assert_allclose(ds["outcome"], ds["baseline"] + media, rtol=1e-10)
    np.testing.assert_allclose(
        ds["incremental"], ds["media"] - ds["carryover_in"] + ds["carryover_out"], rtol=1e-9
    )
    # past spend still works in the horizon, and the plan's spend works after it
    assert (ds["carryover_in"] > 0).all() and (ds["carryover_out"] > 0).all()
    assert ds.attrs["tail_weeks"] == tail_weeks(demo_fit) == demo_fit.spec.l_max - 1
    np.testing.assert_allclose(
        ds["spend"], demo_fit.data.spend[-H:].mean(axis=0) * H * [1.2, 0.5, 1, 1]
    )
    # more tv and less search than the current plan: every draw agrees on the signs
    assert (ds["vs_current"].sel(channel="tv") > 0).all()
    assert (ds["vs_current"].sel(channel="search") < 0).all()
    np.testing.assert_allclose(ds["vs_current"].sel(channel="social"), 0, atol=1e-6)


def test_zero_plan_keeps_only_the_carryover_from_the_past(demo_fit):
    ds = scenario(demo_fit, np.zeros((4, 4)))
    np.testing.assert_allclose(ds["incremental"], 0, atol=1e-9)
    np.testing.assert_allclose(ds["media"], ds["carryover_in"], rtol=1e-12)


def test_future_controls(demo_fit):
    base = scenario(demo_fit, current_plan(demo_fit, 4))
    promo = scenario(demo_fit, current_plan(demo_fit, 4), controls={"promo": [1, 1, 0, 0]})
    coef = demo_fit.posterior["control_coef"].sel(control="promo")
    sd = demo_fit.scales.control_sd[0]
    mean = demo_fit.data.controls[:, 0].mean()
    expected = coef / sd * demo_fit.scales.target * (2 - 4 * mean)
    np.testing.assert_allclose(promo["outcome"] - base["outcome"], expected, rtol=1e-9)
    with pytest.raises(ValueError, match="unknown controls"):
        scenario(demo_fit, current_plan(demo_fit, 4), controls={"price": 1.0})
    with pytest.raises(ValueError, match="3 values for 4 weeks"):
        scenario(demo_fit, current_plan(demo_fit, 4), controls={"promo": [1, 0, 0]})


def test_plan_errors(demo_fit):
    plan = current_plan(demo_fit, 3)
    with pytest.raises(ValueError, match="missing"):
        scenario(demo_fit, plan.drop(columns="tv"))
    with pytest.raises(ValueError, match="unknown"):
        scenario(demo_fit, plan.assign(radio=1.0))
    with pytest.raises(ValueError, match="finite and >= 0"):
        scenario(demo_fit, plan.assign(tv=[1.0, -1.0, np.nan]))
    with pytest.raises(ValueError, match="unknown channels"):
        scaled_plan(demo_fit, 3, {"radio": 2.0})
    with pytest.raises(ValueError, match="either plan"):
        scenario(demo_fit, plan, scale={"tv": 1.1})
    with pytest.raises(ValueError, match="horizon"):
        scenario(demo_fit, scale={"tv": 1.1})


def test_summary_table(demo_fit):
    table = summarize(scenario(demo_fit, scale={"tv": 1.2}, horizon=H), ci_prob=0.8)
    assert list(table.columns) == [
        "quantity", "channel", "spend", "mean", "median", "lower", "upper", "prob_positive",
    ]  # fmt: skip
    row = table.set_index(["quantity", "channel"]).loc[("vs_current", "total")]
    assert row.lower < row["mean"] < row.upper
    assert row.prob_positive == 1.0
    assert set(table.quantity) == {
        "outcome", "baseline", "media", "carryover_in", "carryover_out", "incremental",
        "vs_current", "roi",
    }  # fmt: skip


# ---- the seeds' workflows -------------------------------------------------------------------
def test_fixed_budget_sales_maximisation(demo_fit):
    """Seed 001 'sales maximisation' / seed 003 grid search: same budget, best split."""
    alloc = optimize(demo_fit, H)
    t, o = alloc.table, alloc.outcome.set_index("plan")
    assert t.recommended_spend.sum() == pytest.approx(t.current_spend.sum(), rel=1e-9)
    assert o.loc["recommended", "incremental_mean"] > o.loc["current", "incremental_mean"]
    assert o.loc["recommended", "vs_current_lower"] < o.loc["recommended", "vs_current_mean"]
    assert 0.5 < alloc.p_beats_current <= 1.0
    # the recommended plan is at least as good as any plan of the seed's coarse grid
    solver = Allocator(demo_fit, H)
    budget = t.current_spend.sum()
    best = solver.value(t.recommended_spend.to_numpy())
    shares = np.stack(np.meshgrid(*[np.linspace(0, 1, 6)] * 3), -1).reshape(-1, 3)
    shares = shares[shares.sum(axis=1) <= 1]
    for s in shares:
        assert solver.value(np.append(s, 1 - s.sum()) * budget) <= best * (1 + 1e-9)


def test_what_ifs_plus_minus_20_percent(demo_fit):
    """Seed 004: +20% (and -20%) on one channel at a time, with intervals."""
    table = what_ifs(demo_fit, H, (-0.2, 0.2))
    assert len(table) == 8
    up, down = table[table.change > 0], table[table.change < 0]
    assert (up.prob_positive == 1.0).all() and (down.prob_positive == 0.0).all()
    assert ((up.lower > 0) & (up.lower < up["mean"]) & (up["mean"] < up.upper)).all()
    tv = table.set_index(["channel", "change"]).loc[("tv", 0.2)]
    ds = scenario(demo_fit, scale={"tv": 1.2}, horizon=H)
    assert tv["mean"] == pytest.approx(float(ds["vs_current"].sum("channel").mean()))


def test_bounded_reallocation_within_10_percent(demo_fit):
    """Seed 004: constrained search within ±10% of each channel's spend."""
    alloc = optimize(demo_fit, H, max_change=0.1)
    t = alloc.table
    change = (t.recommended_spend / t.current_spend - 1).abs()
    assert (change <= 0.1 + 1e-9).all()
    assert t.recommended_spend.sum() == pytest.approx(t.current_spend.sum(), rel=1e-9)
    o = alloc.outcome.set_index("plan")
    assert o.loc["recommended", "incremental_mean"] >= o.loc["current", "incremental_mean"]
    unbounded = optimize(demo_fit, H).outcome.set_index("plan")
    assert (
        o.loc["recommended", "incremental_mean"] <= unbounded.loc["recommended", "incremental_mean"]
    )


def test_profit_maximising_budget_size(demo_fit):
    """Seed 001 'ROI optimisation': choose how much to spend, not only how to split it."""
    value = 1.5
    alloc = best_budget(demo_fit, H, value)
    t = alloc.table
    inside = t.at_bound == ""
    np.testing.assert_allclose(t.recommended_mroi_mean[inside], 1 / value, rtol=1e-3)
    solver = Allocator(demo_fit, H, "profit:1.5")
    best = solver.value(t.recommended_spend.to_numpy())
    for factor in (0.8, 1.0, 1.2):  # optimally split budgets around it earn less
        other = solver.solve(alloc.budget * factor)
        assert other.value <= best * (1 + 1e-6)
    o = alloc.outcome.set_index("plan")
    assert o.loc["recommended", "roi_lower"] < o.loc["recommended", "roi_mean"]


def test_frontier_is_increasing_with_intervals(demo_fit):
    table = frontier(demo_fit, H, n_points=5)
    assert (np.diff(table.incremental_mean) > 0).all()
    assert (table.incremental_lower < table.incremental_mean).all()
    assert (table.incremental_mean < table.incremental_upper).all()
    spend = table[[f"{c}_spend" for c in demo_fit.data.channels]].sum(axis=1)
    np.testing.assert_allclose(spend, table.budget, rtol=1e-9)
    assert table.attrs["current_budget"] in table.budget.to_numpy()
    assert isinstance(table, pd.DataFrame)


def test_long_frontier_solves_on_the_tabulated_response_and_reports_exact_outcomes(
    demo_fit, monkeypatch
):
    """A frontier of 6 or more budgets optimises on the response tabulated once (not the
    forward model at every step) and reports each plan's outcome on the exact response: the
    same frontier as solving exactly, to ~1e-6."""
    import importlib

    module = importlib.import_module("bayes_mmm.budget.frontier")
    from bayes_mmm.budget.tabulated import TabulatedResponse

    built, real = [], TabulatedResponse.build.__func__

    def counted(cls, *args, **kwargs):
        built.append(np.dtype(kwargs.get("dtype", np.float64)).itemsize)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(TabulatedResponse, "build", classmethod(counted))
    fast = frontier(demo_fit, H, n_points=8)
    assert built == [8]  # float64
    monkeypatch.setattr(module, "TABULATE_MIN_POINTS", 10**9)
    exact = frontier(demo_fit, H, n_points=8)
    assert built == [8]  # not tabulated
    np.testing.assert_allclose(fast.incremental_mean, exact.incremental_mean, rtol=1e-5)
    assert (fast.objective >= exact.objective * (1 - 1e-5)).all()
    monkeypatch.setattr(module, "TABULATE_MIN_POINTS", 6)
    values = 2 * 4 * 257 * demo_fit.posterior.sizes["chain"] * demo_fit.posterior.sizes["draw"]
    monkeypatch.setattr(module, "TABULATE_MAX_BYTES", 4 * values)  # room for float32 only
    small = frontier(demo_fit, H, n_points=8)
    assert built == [8, 4]  # float32
    np.testing.assert_allclose(small.incremental_mean, exact.incremental_mean, rtol=1e-5)
    plan = fast.iloc[[-1]][[f"{c}_spend" for c in demo_fit.data.channels]].to_numpy()[0]
    y = module._allocator(demo_fit, H, "mean", {}).draws(plan)  # the exact response
    assert fast.incremental_mean.iloc[-1] == pytest.approx(y.mean(), rel=1e-12)
