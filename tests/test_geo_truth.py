"""The truth of a geo simulation as a one-draw geo fit: its media contributions, test lifts
and plans' outcomes are the simulator's own (the regret benchmarks of geo tests rest on it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis.geo import geo_media_draws
from bayes_mmm.budget.geo import allocator_for
from bayes_mmm.budget.synthetic_geo import geo_truth_fit
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.window import design_lift

CHANNELS = ("tv", "search", "social", "display")


@pytest.fixture(scope="module")
def sim():
    return bm.simulate(n_weeks=104, n_geos=4, channels=CHANNELS, roi_geo_sd=0.3, seed=7)


def test_truth_fit_reproduces_the_simulated_contributions(sim):
    media = geo_media_draws(geo_truth_fit(sim))[0]  # (geo, date, channel)
    tc = sim.truth.contributions
    true = np.stack([tc[tc.geo == g][list(CHANNELS)].to_numpy() for g in sim.truth.geos])
    np.testing.assert_allclose(media, true, rtol=1e-9, atol=1e-6)


def test_truth_fit_lifts_are_the_simulators_and_its_plan_beats_current(sim):
    truth = geo_truth_fit(sim)
    cands = pd.DataFrame({"channel": ["tv", "search"], "change": ["go_dark", "-50%"],
                          "weeks": [4, 4], "geo": ["", "geo01+geo02"]})  # fmt: skip
    tests, _ = candidate_tests(truth, cands)
    np.testing.assert_allclose(design_lift(truth, tests)[0], sim.true_lift(tests.to_frame()),
                               rtol=1e-9)  # fmt: skip
    alloc = allocator_for(truth, 13, "mean")
    budget = float(alloc.current.sum())
    best = alloc.solve(budget).total
    assert best.sum() == pytest.approx(budget)
    assert alloc.value(best) > alloc.value(alloc.current)


def test_truth_fit_refuses_shapes_varying_by_geo():
    sim = bm.simulate(n_weeks=60, n_geos=2, channels=CHANNELS[:2], shape_geo_sd=0.2, seed=1)
    with pytest.raises(ValueError, match="varying by geo"):
        geo_truth_fit(sim)
