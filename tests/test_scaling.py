"""The model's unit of spend (each channel's on-week mean) and the conversion of
half-saturations given in all-week mean spend (the simulator's truth)."""

from __future__ import annotations

import numpy as np
import pytest
from reference import geometric_adstock, hill

import bayes_mmm as bm
from bayes_mmm.budget.synthetic import truth_fit
from bayes_mmm.data.scaling import (
    Scales,
    allweek_to_onweek,
    onweek_mean,
    onweek_to_allweek,
)
from bayes_mmm.model.design import make_design

FLIGHTED = ["always_on", "flighted", "growing"]


@pytest.fixture(scope="module")
def sim() -> bm.Simulation:
    return bm.simulate(104, ["a", "f", "g"], FLIGHTED, seed=2, promo=False)


def test_flighted_channel_on_week_mean_is_one(sim):
    data = sim.to_data()
    scaled = make_design(data, bm.ModelSpec()).x_lagged[0]  # lag 0: the scaled spend
    on = data.spend > 0
    assert on[:, 0].all() and on[:, 2].all() and not on[:, 1].all()
    for c in range(3):
        assert scaled[on[:, c], c].mean() == pytest.approx(1.0, rel=1e-12)
    scales = Scales.from_data(data)
    np.testing.assert_allclose(scales.spend_mean, data.spend.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scales.spend[[0, 2]], scales.spend_mean[[0, 2]], rtol=1e-12)
    share = on[:, 1].mean()  # all-week / on-week mean = the share of weeks with spend
    assert scales.spend_mean[1] / scales.spend[1] == pytest.approx(share, rel=1e-12)


def test_onweek_mean_guards_a_channel_without_spend():
    spend = np.array([[0.0, 2.0], [0.0, 0.0], [0.0, 4.0]])
    np.testing.assert_allclose(onweek_mean(spend), [1.0, 3.0])


def test_conversion_round_trips_and_keeps_the_curve(sim):
    spend = sim.to_data().spend
    k = np.array([[0.5, 1.2, 1.8], [1.0, 0.7, 0.9]])
    k_model = allweek_to_onweek(k, spend)
    np.testing.assert_allclose(onweek_to_allweek(k_model, spend), k, rtol=1e-12)
    np.testing.assert_allclose(k_model[:, [0, 2]], k[:, [0, 2]], rtol=1e-12)
    assert (k_model[:, 1] < 0.6 * k[:, 1]).all()  # flighted: on in fewer than 60% of weeks
    slope = np.array([[1.5, 2.0, 0.8], [1.0, 2.5, 1.2]])
    decay = np.full((2, 3), 0.4)
    old = hill(
        geometric_adstock(spend / spend.mean(axis=0), decay[0], 8), k[:, None], slope[:, None]
    )
    new = hill(
        geometric_adstock(spend / onweek_mean(spend), decay[0], 8), k_model[:, None], slope[:, None]
    )
    np.testing.assert_allclose(new, old, rtol=1e-10)


def test_truth_fit_reproduces_the_true_contributions(sim):
    """The truth (all-week units) as a one-draw fit (model units): same beta, same weeks."""
    fit = truth_fit(sim)
    np.testing.assert_allclose(fit.draws("beta")["beta"][0], sim.truth.beta, rtol=1e-9)
    media = bm.analysis.draws.media(fit, fit.data.spend)[0]
    truth = sim.truth.contributions[list(sim.channels)].to_numpy()
    np.testing.assert_allclose(media, truth, rtol=1e-9, atol=1e-9 * truth.max())
