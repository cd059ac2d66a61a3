"""Preposterior value of lift tests (experiments/value.py): the weighted objectives against
the optimizer's own, and on fits with known draws: a test of the channel whose uncertainty
moves the budget is worth more than a test of a channel known exactly (whose value is 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.synthetic import synthetic_fit
from bayes_mmm.experiments.plan import exhaustive_plan, greedy_plan, plan_tests, prepare
from bayes_mmm.experiments.value import design_tests, roi_prior_left
from bayes_mmm.experiments.weighted import WeightedObjective, weighted_interval

CH = ("tv", "search")


@pytest.mark.parametrize("objective", ["mean", "cvar:0.2", "quantile:0.1", "profit:2"])
def test_uniform_weights_are_the_optimizers_objective(objective):
    rng = np.random.default_rng(0)
    y, dy = rng.normal(size=400), rng.normal(size=(400, 3))
    base = Objective.parse(objective)
    weighted = WeightedObjective(base, np.full(400, 1 / 400))
    v0, g0 = base.evaluate_and_grad(y, dy)
    v1, g1 = weighted.evaluate_and_grad(y, dy)
    tol = 2e-3 if base.kind == "quantile" else 1e-12  # Harrell-Davis at m = 400 vs 1000
    np.testing.assert_allclose([v1, *g1], [v0, *g0], atol=tol * 10, rtol=tol)
    lo, hi = weighted_interval(y[:, None], np.full(400, 1 / 400), 0.9)
    assert np.quantile(y, 0.04) <= lo[0] <= np.quantile(y, 0.06)
    assert np.quantile(y, 0.94) <= hi[0] <= np.quantile(y, 0.96)


@pytest.fixture(scope="module")
def known_fit() -> bm.MMMFit:
    """tv's ROI is uncertain (0.6 or 3.0, half the draws each), search's is known (1.5): the
    best budget split depends on which tv is."""
    sim = bm.simulate(60, CH, seed=4)
    n = 200
    roi = np.column_stack([np.where(np.arange(n) % 4 < 2, 0.6, 3.0), np.full(n, 1.5)])
    return synthetic_fit(
        sim.to_data(),
        roi=roi,
        decay=np.tile([0.5, 0.3], (n, 1)),
        half_saturation=np.tile([1.0, 1.0], (n, 1)),
        slope=np.tile([1.5, 1.5], (n, 1)),
        sigma=0.03,
    )


def test_the_uncertain_channel_is_worth_testing(known_fit):
    cands = pd.DataFrame(
        {"channel": ["tv", "search", "tv"], "change": ["go_dark", "go_dark", "-50%"], "weeks": 4}
    )
    # two-point posterior: a result leaves exactly half the draws (ESS 100 of 200), the
    # exact answer, not a failure of the weights: no refit
    out = design_tests(known_fit, cands, n_outcomes=12, horizon=8, min_ess=50)
    out = out.set_index("design")
    tv, search = out.loc["tv go_dark 4w"], out.loc["search go_dark 4w"]
    assert search["evsi"] == pytest.approx(0.0, abs=1e-6)  # nothing to learn: every draw agrees
    assert tv["evsi"] > 5 * tv["evsi_mc_se"] > 0
    assert tv["evsi"] > out.loc["tv -50% 4w", "evsi"] * 0.5  # smaller change, still informative
    assert tv["roi_narrowing"] > 0.3 and search["roi_narrowing"] == pytest.approx(0, abs=1e-9)
    # how much of the ROI prior is left: none for search (known), tv's two values within it
    assert search["roi_prior_left"] == 0.0 and 0 < tv["roi_prior_left"] < 1
    assert tv["measured_mean"] < 0 and tv["cost"] > 0
    assert set(out["method"]) <= {"reweight"} or out["method"].str.startswith("reweight").all()
    assert list(out["rank"]) == [1, 2, 3]
    assert (np.diff(out["net_value"]) <= 0).all()
    noisy = design_tests(known_fit, cands.iloc[:1].assign(sigma=1e9), n_outcomes=8, horizon=8)
    assert noisy["evsi"].iloc[0] == pytest.approx(0.0, abs=1e-3 * tv["evsi"])


def test_a_channel_the_data_did_not_inform_is_flagged(known_fit, caplog):
    """tv's ROI draws are its prior's: the top design's value rests on the prior, and the
    warning says so (search, known exactly, has none of its prior left)."""
    n = 1000  # enough draws that their interval is the prior's to ~10%
    prior_tv = known_fit.priors["roi"].sample((n, 2), seed=1)[:, 0]
    fit = synthetic_fit(
        known_fit.data,
        roi=np.column_stack([prior_tv, np.full(n, 1.5)]),
        decay=np.tile([0.5, 0.3], (n, 1)),
        half_saturation=np.tile([1.0, 1.0], (n, 1)),
        slope=np.tile([1.5, 1.5], (n, 1)),
        sigma=0.03,
    )
    cands = pd.DataFrame({"channel": "tv", "change": ["go_dark", "-50%"], "weeks": 4})
    with caplog.at_level("WARNING", logger="bayes_mmm"):
        out = design_tests(fit, cands, n_outcomes=8, horizon=8, min_ess=10, refit=None)
    assert 0.85 < out["roi_prior_left"].iloc[0] < 1.15
    assert roi_prior_left(fit)["search"] == 0.0
    assert f"top design ({out['design'].iloc[0]})" in caplog.text
    assert "rests on the ROI prior" in caplog.text


def test_bad_candidates_are_named(known_fit):
    cands = pd.DataFrame({"channel": ["tv", "tv"], "change": ["go_dark", "lots"], "weeks": [4, 0]})
    with pytest.raises(bm.DataValidationError, match=r"'change' is not go_dark.* rows \[1\]"):
        design_tests(known_fit, cands)
    with pytest.raises(bm.DataValidationError, match="'weeks' is not a whole number"):
        design_tests(known_fit, cands.iloc[[0, 0]].assign(weeks=[4, 0]).reset_index(drop=True))


def test_greedy_batch_matches_exhaustive(known_fit):
    """Four candidates, at most 2 tests and 6 dark weeks: greedy on the joint value finds the
    exhaustive optimum's value (within its Monte Carlo error); two tests of the same unknown
    are worth less together than apart (the second is valued given the first)."""
    cands = pd.DataFrame(
        {
            "channel": ["tv", "tv", "search", "tv"],
            "change": ["go_dark", "-50%", "go_dark", "+50%"],
            "weeks": [4, 4, 2, 4],
            "sigma": 400.0,
        }
    )
    batch = prepare(known_fit, cands, horizon=8, n_outcomes=12)
    greedy = greedy_plan(batch, max_tests=2, max_weeks_dark=6)
    best = exhaustive_plan(batch, max_tests=2, max_weeks_dark=6)
    assert batch.allowed(tuple(greedy), 2, 6) and len(greedy) >= 1
    assert batch.value(tuple(greedy)) >= 0.95 * batch.value(tuple(best))
    assert 0 not in greedy or 1 not in greedy  # 8 dark weeks: not allowed
    evsi = {k: batch.value(k) + batch.cost[list(k)].sum() for k in [(0,), (3,), (0, 3)]}
    assert evsi[(0, 3)] < evsi[(0,)] + evsi[(3,)]
    plan = plan_tests(known_fit, cands, max_tests=2, max_weeks_dark=6, horizon=8, n_outcomes=12)
    assert list(plan["design"]) == list(batch.table["design"].iloc[greedy])
    assert (np.diff(plan["joint_net_value"]) > 0).all()


def test_batch_plan_reuses_the_rankings_single_values(known_fit, monkeypatch):
    """Given the ranking of the same candidates and decision, the plan values only sets of
    two or more tests itself, and chooses the same tests with the same joint values; a
    ranking made for another decision is not reused."""
    import bayes_mmm.experiments.plan as plan_module

    cands = pd.DataFrame({"channel": ["tv", "search", "tv"], "change": ["go_dark", "go_dark",
                          "+50%"], "weeks": [4, 2, 4], "sigma": 400.0})  # fmt: skip
    kw = dict(horizon=8, n_outcomes=12)
    ranked = design_tests(known_fit, cands, refit=None, **kw)
    sizes = []
    real = plan_module.set_value

    def counted(decision, lift, *args):
        sizes.append(lift.shape[1])
        return real(decision, lift, *args)

    monkeypatch.setattr(plan_module, "set_value", counted)
    fresh = plan_tests(known_fit, cands, max_tests=2, **kw)
    assert sizes.count(1) >= 3  # each candidate alone (and the first chosen again)
    sizes.clear()
    reused = plan_tests(known_fit, cands, max_tests=2, ranked=ranked, **kw)
    assert sizes.count(1) == 0 and sizes.count(2) >= 1
    pd.testing.assert_frame_equal(reused, fresh)
    sizes.clear()
    other = design_tests(known_fit, cands, refit=None, horizon=6, n_outcomes=12)
    plan_tests(known_fit, cands, max_tests=2, ranked=other, **kw)
    assert sizes.count(1) >= 3  # each candidate alone (and the first chosen again)


@pytest.mark.parametrize("true_roi", [0.6, 3.0])
def test_a_tests_result_moves_the_plan_toward_the_true_optimum(known_fit, true_roi):
    """Whichever of tv's two ROIs is true, the result of the top-ranked test (simulated from
    the truth, one standard error off) reweights the draws so that the re-optimised plan's
    true regret falls by more than half; the no-test plan hedges between the two."""
    from bayes_mmm.budget.optimize import Allocator
    from bayes_mmm.experiments.candidates import candidate_tests
    from bayes_mmm.experiments.weighted import WeightedObjective
    from bayes_mmm.experiments.window import lift_values

    data, n = known_fit.data, 1
    truth = synthetic_fit(
        data, roi=[true_roi, 1.5], decay=[0.5, 0.3], half_saturation=[1.0, 1.0], slope=[1.5, 1.5]
    )
    cands = pd.DataFrame({"channel": ["tv"], "change": ["go_dark"], "weeks": [4]})
    tests, _ = candidate_tests(known_fit, cands)
    sigma = float(tests.sigma[0])
    measured = lift_values(truth.forward(), tests, data.channels)[0, 0] + sigma * n
    draws = lift_values(known_fit.forward(), tests, data.channels)[:, 0]
    w = np.exp(-0.5 * ((measured - draws) / sigma) ** 2)
    alloc, true_alloc = Allocator(known_fit, 8), Allocator(truth, 8)
    budget = float(alloc.current.sum())
    before = alloc.solve(budget).total
    alloc.objective = WeightedObjective(alloc.objective, w / w.sum())
    after = alloc.solve(budget, starts=[before]).total
    best = true_alloc.value(true_alloc.solve(budget).total)
    regret_before, regret_after = best - true_alloc.value(before), best - true_alloc.value(after)
    assert regret_before > 0 and regret_after < 0.5 * regret_before


@pytest.mark.slow
def test_evsi_is_the_gain_realised_where_the_model_is_right():
    """A real fit's first chain values four go-dark tests; its second chain supplies truths,
    so the model is exactly right (experiments/check.py). Averaged over 300 truths, the
    top-EVSI test is the one whose result improves the truth's outcome most, by as much as
    EVSI said (within 3 standard errors); EVSI ranking by noise, or a result that did not
    move the draws, would fail."""
    from bayes_mmm.experiments.check import held_out_gains, split_chains

    ch = ("TV spots", "paid_search", "Social", "display & video")  # no simulator names needed
    data = bm.simulate(104, ch, seed=5).to_data()
    fit = bm.fit(data, seed=1, chains=2, draws=400, tune=300, progress=False)
    valuing, truths = split_chains(fit)
    cands = pd.DataFrame({"channel": ch, "change": "go_dark", "weeks": 4})
    evsi = design_tests(valuing, cands, horizon=13, n_outcomes=16, seed=0, refit=None)
    evsi = evsi.set_index("design")["evsi"]
    gains = held_out_gains(valuing, truths, cands, horizon=13, n_truths=300, seed=1)
    real, se = gains.mean(axis=1), gains.std(axis=1) / np.sqrt(gains.shape[1])
    top = evsi.idxmax()
    assert real.idxmax() == top
    assert real[top] > 2 * se[top] and abs(real[top] - evsi[top]) < 3 * se[top]
    assert (real.drop(top) < real[top] - se[top]).all()


def test_held_out_check_says_what_it_needs(known_fit):
    """One chain cannot be split into values and truths; more truths than draws would
    repeat draws: both are named before any work."""
    from bayes_mmm.experiments.check import held_out_gains, split_chains

    with pytest.raises(ValueError, match="at least 2 chains"):
        split_chains(known_fit)
    cands = pd.DataFrame({"channel": ["tv"], "change": ["go_dark"], "weeks": [4]})
    with pytest.raises(ValueError, match="n_truths must be 2 to 200"):
        held_out_gains(known_fit, known_fit, cands, horizon=8, n_truths=500)


def test_a_test_costs_what_it_changes_in_the_recommended_plan(known_fit):
    """The cost is counted against the decision made without the test: a channel the plan
    stops spending on costs nothing to take dark (no outcome lost, no spend saved), while
    today, at its current spend, the same test would lose outcome."""
    cands = pd.DataFrame({"channel": ["search"], "change": ["go_dark"], "weeks": 4})
    kw = dict(n_outcomes=4, horizon=8, refit=None)
    cut = design_tests(known_fit, cands, bounds={"search": (0.0, 0.0)}, **kw).iloc[0]
    assert cut["cost"] == 0.0 and cut["cost_lower"] == cut["cost_upper"] == 0.0
    kept = design_tests(known_fit, cands, **kw).iloc[0]  # the plan keeps search: it costs
    assert kept["cost"] > 0 and kept["spend_added"] == cut["spend_added"] < 0
