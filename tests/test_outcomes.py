"""Simulated test results for EVSI: stratified draws of the predictive and their error."""

import numpy as np
import pytest

from bayes_mmm.experiments.outcomes import (
    draw_results,
    mean_and_se,
    predictive_quantiles,
    stratified_results,
)


@pytest.fixture(scope="module")
def lift():
    """Posterior draws of a lift: skewed, as a go-dark test's often are."""
    return np.random.default_rng(0).gamma(2.0, 300.0, size=600)


def test_predictive_quantiles_are_the_mixtures(lift):
    sigma = 150.0
    rng = np.random.default_rng(1)
    sample = rng.choice(lift, 400_000) + sigma * rng.standard_normal(400_000)
    u = np.array([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    got = predictive_quantiles(lift, sigma, u)
    np.testing.assert_allclose(got, np.quantile(sample, u), rtol=0.01, atol=5.0)


def _value(y: np.ndarray) -> np.ndarray:
    """A smooth, bounded, non-monotone value of a result (EVSI's gain is like this: a result
    far from the expected one in either direction pays, up to what perfect information
    would)."""
    return 100.0 * np.tanh(((y - 600.0) / 400.0) ** 2)


def test_stratified_mean_is_unbiased_and_far_less_noisy(lift):
    sigma, k, reps = 150.0, 16, 400
    rng = np.random.default_rng(2)
    big = rng.choice(lift, 2_000_000) + sigma * rng.standard_normal(2_000_000)
    truth = _value(big).mean()
    strat, plain, reported = [], [], []
    for _ in range(reps):
        y = stratified_results(lift, sigma, rng, k)
        m, se = mean_and_se(_value(y), stratified=True)
        strat.append(m)
        reported.append(se)
        mc = draw_results(lift[:, None].repeat(2, axis=1), np.array([sigma, sigma]), rng, k)
        plain.append(_value(mc[:, 0]).mean())
    strat, plain = np.array(strat), np.array(plain)
    assert abs(strat.mean() - truth) < 3 * strat.std() / np.sqrt(reps)  # unbiased
    assert strat.std() < 0.35 * plain.std()  # 1/K against 1/sqrt(K)
    # the successive-difference error is conservative: not below the real spread, within 3x of it
    assert 0.8 * strat.std() < np.mean(reported) < 3 * strat.std()


def test_one_test_is_stratified_several_are_not(lift):
    rng = np.random.default_rng(3)
    one = draw_results(lift[:, None], np.array([100.0]), rng, 8)
    u = np.searchsorted(np.sort(lift + 100.0 * rng.standard_normal(600)), one[:, 0]) / 600
    assert np.all(np.diff(one[:, 0]) > 0)  # one result per slice, in order
    assert np.all(np.abs(u - (np.arange(8) + 0.5) / 8) < 0.2)
    two = draw_results(np.stack([lift, lift[::-1]], axis=1), np.array([100.0, 50.0]), rng, 8)
    assert two.shape == (8, 2)


def test_mean_and_se():
    x = np.array([1.0, 3.0, 2.0, 6.0])
    assert mean_and_se(x, stratified=False) == pytest.approx((3.0, x.std(ddof=1) / 2))
    # differences 2, -1, 4: per slice (4 + 1 + 16) / 3 / 2, over 4 slices
    assert mean_and_se(x, stratified=True) == pytest.approx((3.0, np.sqrt(3.5 / 4)))
    # a jump between any two slices counts (fixed pairs (1, 2), (3, 4) would miss this one)
    assert mean_and_se(np.array([0.0, 0.0, 5.0, 5.0]), stratified=True)[1] > 0
    assert mean_and_se(np.full(6, 5.0), stratified=True) == (5.0, 0.0)
    assert np.isnan(mean_and_se(np.array([1.0]), stratified=True)[1])
