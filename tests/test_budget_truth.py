"""Budget decisions on simulated data with known truth (real NUTS, 4 chains x 1000 draws).

Data: 156 weeks, 4 channels (tv, search, social flighted, display), true ROI 1.5 / 3.0 / 1.2 /
0.5 with search under-funded and display over-funded in the recent weeks, so reallocating
pays. True outcomes of a plan are computed with the true parameters through the same forward
equations (``truth_fit``: the truth as a one-draw posterior); the true optimum by optimising
with the true parameters. Outcomes are incremental (vs no media over the 13-week horizon,
carryover after it included).

Asserted: the recommended plan's true outcome beats the current plan's and is within 3% of
the true optimum; the quantile:0.1 plan has a higher posterior 10% quantile (the Harrell-Davis
estimate it maximises; the plain sample quantile within 0.1%) than the mean-optimal plan;
the profit-maximising budget earns a true profit within 3% of the best.
Seeds 1-4 of this design pass all four tests (re-checked 2026-11-23 with the on-week spend
unit and the ROI prior sd 0.85: true gap to the optimum 0.01%-0.25%, true gains over the
current plan 4%-25%, profit gap 0.45%-0.97%); the 10% quantile gains of the risk-averse plan
are small (0.003%-0.07%: this posterior's uncertainty is mostly shared by all plans). The
test uses seed 1, fixed, so it is deterministic for given package versions (pytensor 3.3.7 and
3.3.8 give slightly different draws: the mean and risk-averse plans then nearly tie).
"""

import numpy as np
import pytest
from designs import four_channels, full_fit

from bayes_mmm.budget import best_budget, optimize
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.synthetic import truth_fit

pytestmark = pytest.mark.slow

H = 13


@pytest.fixture(scope="module")
def case():
    sim = four_channels([1.5, 3.0, 1.2, 0.5], seed=1, mean_spend=[1500, 400, 700, 1200])
    fit = full_fit(sim.to_data())
    return sim, fit, Allocator(truth_fit(sim), H)


@pytest.fixture(scope="module")
def mean_plan(case):
    _, fit, _ = case
    return optimize(fit, H)


def test_recommended_plan_beats_current_and_is_near_the_true_optimum(case, mean_plan):
    _, _, truth = case
    rec = mean_plan.table.recommended_spend.to_numpy()
    true_current = truth.draws(truth.current)[0]
    true_rec = truth.draws(rec)[0]
    true_best = truth.solve(mean_plan.budget).value
    print(
        f"true incremental outcome: current {true_current:.0f}, recommended {true_rec:.0f} "
        f"(+{100 * (true_rec / true_current - 1):.2f}%), optimum {true_best:.0f} "
        f"(gap {100 * (1 - true_rec / true_best):.2f}%)"
    )
    assert true_rec > true_current
    assert true_rec >= 0.97 * true_best
    assert mean_plan.p_beats_current > 0.9


def test_true_outcomes_inside_the_posterior_intervals(case, mean_plan):
    _, _, truth = case
    rows = mean_plan.outcome.set_index("plan")
    for plan, total in (
        ("current", mean_plan.table.current_spend.to_numpy()),
        ("recommended", mean_plan.table.recommended_spend.to_numpy()),
    ):
        true = truth.draws(total)[0]
        assert rows.loc[plan, "incremental_lower"] <= true <= rows.loc[plan, "incremental_upper"]


def test_risk_averse_plan_has_higher_10_percent_quantile(case, mean_plan):
    _, fit, _ = case
    risky = optimize(fit, H, objective="quantile:0.1")
    posterior = Allocator(fit, H)
    y_mean = posterior.draws(mean_plan.table.recommended_spend.to_numpy())
    y_risk = posterior.draws(risky.table.recommended_spend.to_numpy())
    # "quantile:0.1" maximises the Harrell-Davis estimate of the 10% quantile (a smoothed
    # order statistic); the plain sample quantile may differ by a hair when plans nearly tie
    hd = Objective.parse("quantile:0.1")
    q_mean, q_risk = hd.evaluate(y_mean), hd.evaluate(y_risk)
    s_mean, s_risk = np.quantile(y_mean, 0.1), np.quantile(y_risk, 0.1)
    print(
        f"10% quantile (HD / sample): mean-optimal plan {q_mean:.0f} / {s_mean:.0f}, "
        f"quantile:0.1 plan {q_risk:.0f} / {s_risk:.0f}"
    )
    assert q_risk > q_mean
    assert s_risk > s_mean * (1 - 1e-3)
    assert y_mean.mean() >= y_risk.mean()  # the price of safety: a lower expected outcome


def test_profit_maximising_budget_is_near_the_true_best(case):
    _, fit, truth = case
    value = 1.5
    alloc = best_budget(fit, H, value)
    rec = alloc.table.recommended_spend.to_numpy()
    true_profit = value * truth.draws(rec)[0] - rec.sum()
    best = Allocator(truth.fit, H, f"profit:{value}").solve(None)
    print(
        f"budget {rec.sum():.0f} (true best {best.total.sum():.0f}); true profit "
        f"{true_profit:.0f} vs best {best.value:.0f}"
    )
    assert true_profit >= best.value - 0.03 * abs(best.value)
