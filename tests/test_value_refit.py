"""The refit fallback of ``design_tests`` (experiments/refit.py): a test so precise that
reweighting the draws fails (few draws carry the weight, Pareto k > 0.7) is valued by
refitting with its simulated results (short NUTS), and the refit's posterior has learnt it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.refit import pareto_k
from bayes_mmm.experiments.window import lift_values


def test_pareto_k_flags_heavy_tailed_weights():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(1, 800))
    k = pareto_k(np.vstack([-0.5 * y**2, -0.5 * (y / 0.02) ** 2, np.zeros((1, 800))]))
    assert k[0] < 0.5 and k[1] > 0.7 and np.isnan(k[2])  # constant weights: no tail


def test_a_very_precise_test_is_valued_by_refitting(demo_fit):
    cands = pd.DataFrame({"channel": ["tv", "tv"], "change": "go_dark", "weeks": 4})
    tests, _ = candidate_tests(demo_fit, cands)
    lift = lift_values(demo_fit.forward(), tests, demo_fit.data.channels)[:, 0]
    precise = 0.005 * float(np.abs(lift).mean())  # 0.5% of the lift: a few draws fit it
    out = bm.design_tests(
        demo_fit,
        cands.assign(sigma=[precise, 1e9]),
        horizon=8,
        n_outcomes=8,
        refit_outcomes=2,
    )
    sharp = out.loc[out["sigma"] == precise].iloc[0]
    vague = out.loc[out["sigma"] == 1e9].iloc[0]
    assert sharp["ess_median"] < 100 or sharp["pareto_k_median"] > 0.7
    assert sharp["method"] == "refit (nuts, 2 results)"
    assert np.isfinite([sharp["evsi"], sharp["evsi_mc_se"], sharp["net_value"]]).all()
    assert sharp["net_value"] == pytest.approx(sharp["evsi"] - sharp["cost"])
    # the refit's likelihood holds the test: a 0.5%-precise go-dark pins tv's ROI
    assert sharp["roi_narrowing"] > 0.5
    assert vague["method"] == "reweight" and vague["ess_median"] > 0.99 * len(lift)


def test_tabulated_response_matches_the_forward_model(demo_fit):
    """The tabulated response (budget/tabulated.py) the valuation optimises on agrees
    with the optimizer's exact one away from zero spend (value and gradient)."""
    from bayes_mmm.budget.optimize import Allocator
    from bayes_mmm.budget.tabulated import TabulatedResponse

    alloc = Allocator(demo_fit, 8)
    caps = alloc._caps(float(alloc.current.sum()))
    table = TabulatedResponse.build(alloc.resp, caps)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(0.05, 1.0, len(caps)) * caps
        y0, g0 = alloc.resp.incremental_and_grad(x)
        y1, g1 = table.incremental_and_grad(x)
        np.testing.assert_allclose(y1, y0, rtol=1e-5, atol=1e-6 * np.abs(y0).max())
        np.testing.assert_allclose(g1, g0, rtol=1e-3, atol=1e-4 * np.abs(g0).max())
    sub = table.subset(np.arange(5))
    assert sub.n_draws == 5
    w = np.full(5, 0.2)
    mean = sub.weighted_mean(w).incremental(x)
    np.testing.assert_allclose(mean[0], sub.incremental(x).mean(axis=0), rtol=1e-10)
