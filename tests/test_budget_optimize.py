"""The optimizer on fits with known answers (parameters given, no sampling).

With no adstock carryover (decay 0) and Hill slope 1, a channel spending ``X`` per week for
``H`` weeks adds ``beta * H * X / (X + K)`` (``K`` = half-saturation x mean spend), so the
optima have closed forms: at a fixed weekly budget ``B``, with ``r = sqrt(b1 K1 / (b2 K2))``,
``X1 = (r (B + K2) - K1) / (1 + r)``; for profit at value ``v``, ``X = sqrt(v b K) - K``.
Expected outcomes average beta over the draws, so ``b`` is the posterior mean of beta.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.budget import best_budget, budget_for_target, optimize
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.synthetic import synthetic_fit

H = 10
RNG = np.random.default_rng(7)


def _data(n_channels: int = 2, zero_recent: int | None = None, seed: int = 5) -> bm.MMMData:
    channels = [f"c{i}" for i in range(n_channels)]
    data = bm.simulate(80, channels, seed=seed, promo=False).to_data(min_rows=1)
    if zero_recent is not None:  # a channel that spent nothing in the last H weeks
        spend = data.spend.copy()
        spend[-H:, zero_recent] = 0.0
        data = dataclasses.replace(data, spend=spend)
    return data


def _fit(data, beta, k, slope=1.0, decay=0.0):
    n = np.shape(beta)[0]
    c = data.n_channels
    return synthetic_fit(
        data,
        beta=beta,
        decay=np.full((n, c), decay),
        half_saturation=np.broadcast_to(k, (n, c)),
        slope=np.broadcast_to(slope, (n, c)),
    )


@pytest.fixture(scope="module")
def two():
    """Two channels, betas uncertain (lognormal draws), half-saturations 1.0 and 0.5."""
    data = _data()
    beta = np.column_stack(
        [RNG.lognormal(np.log(900), 0.3, 400), RNG.lognormal(np.log(600), 0.3, 400)]
    )
    fit = _fit(data, beta, [1.0, 0.5])
    b = fit.draws("beta")["beta"].mean(axis=0)
    big_k = np.array([1.0, 0.5]) * fit.scales.spend
    return fit, b, big_k


def _closed_form_split(b, big_k, weekly_budget):
    r = np.sqrt(b[0] * big_k[0] / (b[1] * big_k[1]))
    x1 = (r * (weekly_budget + big_k[1]) - big_k[0]) / (1 + r)
    return np.array([x1, weekly_budget - x1])


def test_two_channel_optimum_matches_closed_form(two):
    fit, b, big_k = two
    alloc = optimize(fit, H)
    budget = alloc.budget
    expected = _closed_form_split(b, big_k, budget / H) * H
    assert 0 < expected[0] < budget  # interior optimum
    np.testing.assert_allclose(alloc.table.recommended_spend, expected, rtol=1e-3)
    assert alloc.table.recommended_spend.sum() == pytest.approx(budget, rel=1e-9)
    assert (
        alloc.outcome.set_index("plan").loc["recommended", "incremental_mean"]
        >= (alloc.outcome.set_index("plan").loc["current", "incremental_mean"])
    )


def test_optimum_on_a_bound(two):
    fit, b, big_k = two
    budget = Allocator(fit, H).current.sum()
    free = _closed_form_split(b, big_k, budget / H) * H
    cap = 0.8 * free[0]
    alloc = optimize(fit, H, budget, bounds={"c0": (None, cap)})
    np.testing.assert_allclose(alloc.table.recommended_spend, [cap, budget - cap], rtol=1e-6)
    assert list(alloc.table.at_bound) == ["upper", ""]


def test_profit_maximising_budget_matches_closed_form(two):
    fit, b, big_k = two
    value = 3.0
    alloc = best_budget(fit, H, value)
    expected = (np.sqrt(value * b * big_k) - big_k) * H
    assert (expected > 0).all()
    np.testing.assert_allclose(alloc.table.recommended_spend, expected, rtol=1e-3)
    np.testing.assert_allclose(alloc.table.recommended_mroi_mean, 1 / value, rtol=1e-3)
    assert alloc.budget == pytest.approx(expected.sum(), rel=1e-3)


def test_budget_for_target_outcome_and_roi(two):
    fit, b, big_k = two
    b0 = 0.7 * Allocator(fit, H).current.sum()
    x = _closed_form_split(b, big_k, b0 / H)
    target = float((b * H * x / (x + big_k)).sum())  # best expected outcome at budget b0
    alloc = budget_for_target(fit, H, outcome=target)
    assert alloc.budget == pytest.approx(b0, rel=2e-3)
    got = alloc.outcome.set_index("plan").loc["recommended", "incremental_mean"]
    assert got >= target * (1 - 1e-9)
    alloc = budget_for_target(fit, H, roi=target / b0)  # ROI falls with budget: largest b
    assert alloc.budget == pytest.approx(b0, rel=2e-3)
    with pytest.raises(ValueError, match="no budget"):
        budget_for_target(fit, H, outcome=1e12)


def test_risk_averse_objectives_prefer_the_certain_channel():
    """Equal expected betas and curves; channel c0's beta is uncertain, c1's is known."""
    data = _data()
    beta = np.column_stack([RNG.lognormal(np.log(800) - 0.18, 0.6, 2000), np.full(2000, 800.0)])
    beta[:, 0] *= 800 / beta[:, 0].mean()
    fit = _fit(data, beta, [0.8 * data.spend[:, 1].mean() / data.spend[:, 0].mean(), 0.8])
    mean = optimize(fit, H)
    y_mean = Allocator(fit, H).draws(mean.table.recommended_spend.to_numpy())
    for objective in ("quantile:0.1", "cvar:0.1"):
        risk = optimize(fit, H, objective=objective)
        rec = risk.table.recommended_spend.to_numpy()
        assert rec[1] > mean.table.recommended_spend.iloc[1] * 1.2
        y_risk = Allocator(fit, H).draws(rec)
        assert np.quantile(y_risk, 0.1) > np.quantile(y_mean, 0.1)
        assert y_mean.mean() >= y_risk.mean()


def _brute_force_two(fit, budget, n=4001):
    alloc = Allocator(fit, H)
    grid = np.linspace(0, budget, n)
    values = [alloc.value(np.array([g, budget - g])) for g in grid]
    return float(np.max(values))


@pytest.mark.parametrize("slope", [2.5, 0.5])
def test_zero_spend_channel_is_funded_when_it_pays(slope):
    """Channel c1 spent nothing over the last H weeks (current plan 0). With an S-curve
    (slope 2.5) its marginal return at zero is 0, so a local method starting from the current
    plan stays at zero; with slope 0.5 the marginal return at zero is unbounded."""
    data = _data(zero_recent=1)
    weekly_budget = data.spend[-H:].sum(axis=1).mean()
    k1 = 0.3 * weekly_budget / data.spend[:, 1].mean()  # c1 saturates within the budget
    beta = np.column_stack([np.full(50, 500.0), np.full(50, 3000.0)])
    fit = _fit(data, beta, [1.0, k1], slope=slope)
    alloc = optimize(fit, H)
    assert alloc.table.current_spend.iloc[1] == 0
    assert alloc.table.recommended_spend.iloc[1] > 0
    best = _brute_force_two(fit, alloc.budget)
    got = Allocator(fit, H).value(alloc.table.recommended_spend.to_numpy())
    assert got >= best * (1 - 1e-6)


def test_twenty_channels_satisfy_optimality_conditions():
    n_ch, n_draws = 20, 300
    data = _data(n_channels=n_ch, zero_recent=3, seed=11)
    rng = np.random.default_rng(3)
    fit = synthetic_fit(
        data,
        roi=rng.uniform(0.3, 3.0, n_ch) * rng.lognormal(0, 0.2, (n_draws, n_ch)),
        decay=np.clip(
            rng.uniform(0.1, 0.7, n_ch) + rng.normal(0, 0.03, (n_draws, n_ch)), 0.01, 0.9
        ),
        half_saturation=rng.uniform(0.5, 1.8, n_ch) * rng.lognormal(0, 0.1, (n_draws, n_ch)),
        slope=rng.uniform(0.8, 2.5, n_ch) * rng.lognormal(0, 0.05, (n_draws, n_ch)),
    )
    alloc = optimize(fit, 13, max_change={"c0": 0.1, "c1": 0.1}, fixed=["c2"])
    t = alloc.table
    x, lo, hi = t.recommended_spend.to_numpy(), t.lower_bound.to_numpy(), t.upper_bound.to_numpy()
    assert x.sum() == pytest.approx(t.current_spend.sum(), rel=1e-9)
    assert (x >= lo - 1e-6).all() and (x <= hi + 1e-6).all()
    assert x[2] == pytest.approx(t.current_spend[2])
    # KKT: equal marginal returns inside the bounds, lower ones at the lower bound, higher at
    # the upper bound
    mroi = t.recommended_mroi_mean.to_numpy()
    inside = (t.at_bound == "").to_numpy()
    lam = np.median(mroi[inside])
    np.testing.assert_allclose(mroi[inside], lam, rtol=0.01)
    assert (mroi[(t.at_bound == "lower").to_numpy()] <= lam * 1.01).all()
    assert (mroi[(t.at_bound == "upper").to_numpy()] >= lam * 0.99).all()
    # and no random feasible allocation does better
    solver = Allocator(fit, 13, max_change={"c0": 0.1, "c1": 0.1}, fixed=["c2"])
    best = solver.value(x)
    from bayes_mmm.budget.optimize import _project

    for _ in range(200):
        u = _project(rng.dirichlet(np.ones(n_ch) * 0.5) * x.sum(), lo, hi, x.sum())
        assert solver.value(u) <= best + 1e-9 * abs(best)


def test_fixed_channels_and_bad_budgets(two):
    fit, _, _ = two
    current = Allocator(fit, H).current
    alloc = optimize(fit, H, fixed=["c0"])
    np.testing.assert_allclose(alloc.table.recommended_spend, current, rtol=1e-9)
    assert alloc.table.at_bound.iloc[0] == "fixed"
    with pytest.raises(ValueError, match="outside what the bounds allow"):
        optimize(fit, H, current.sum() * 3, max_change=0.1)
    with pytest.raises(ValueError, match="budget must be"):
        optimize(fit, H, -5.0)
    with pytest.raises(ValueError, match="profit objective"):
        optimize(fit, H, objective="mean", free_budget=True)
    with pytest.raises(ValueError, match="horizon"):
        optimize(fit, 0)
