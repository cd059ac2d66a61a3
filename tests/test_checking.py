"""Model checking: prior predictive check, pointwise log-likelihood / LOO, CRPS, CV plumbing."""

import warnings

import numpy as np
import pytest
from scipy import stats

import bayes_mmm as bm
from bayes_mmm import checking
from bayes_mmm.plots import checking as check_plots


@pytest.fixture(scope="module")
def prior_check():
    data, _ = bm.load_demo()
    return checking.prior_predictive_check(data, draws=400, seed=0)


def test_prior_draws_follow_the_priors(prior_check):
    prior = prior_check.prior
    roi_prior = prior.priors["roi"]
    log_roi = np.log(prior.posterior["roi"].values).reshape(-1, prior.data.n_channels)
    np.testing.assert_allclose(log_roi.mean(axis=0), roi_prior.params["mu"], atol=0.15)
    np.testing.assert_allclose(log_roi.std(axis=0), roi_prior.params["sigma"], rtol=0.15)
    assert prior.diagnostics.sampler == "prior"


def test_default_prior_is_plausible_for_the_demo(prior_check):
    assert prior_check.plausible()
    table = prior_check.summary.set_index("check")["value"]
    assert table["observed weeks inside 90% prior band"] > 0.9


def test_prior_check_flags_an_absurd_prior():
    data, _ = bm.load_demo()
    absurd = bm.ModelSpec(priors={"intercept": bm.Prior("Normal", mu=50.0, sigma=1.0)})
    check = checking.prior_predictive_check(data, absurd, draws=200, seed=0)
    assert not check.plausible()


def test_prior_predictive_plot(prior_check, tmp_path):
    fig = check_plots.prior_predictive(prior_check)
    fig.savefig(tmp_path / "prior.png")
    assert (tmp_path / "prior.png").stat().st_size > 10_000


def test_log_likelihood_matches_scipy(demo_fit):
    ll = checking.log_likelihood(demo_fit)
    mu = bm.prediction(demo_fit).isel(chain=0, draw=5).values
    sigma = float(demo_fit.posterior["sigma"].isel(chain=0, draw=5)) * demo_fit.scales.target
    expected = stats.norm.logpdf(demo_fit.data.target, mu, sigma)
    np.testing.assert_allclose(ll.isel(chain=0, draw=5).values, expected)


def test_crps_matches_normal_closed_form():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.0, 2.0, size=(20_000, 3))
    y = np.array([0.0, 1.0, -3.0])
    z = y / 2.0
    exact = 2.0 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    np.testing.assert_allclose(checking.crps(draws, y), exact, rtol=0.02)


@pytest.mark.slow
def test_loo_prefers_adstock_on_data_with_carryover(demo_fit):
    """The demo truth has carryover (decays 0.15-0.6): LOO must rank the adstock model first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        flat = bm.fit(
            demo_fit.data,
            bm.ModelSpec(adstock=False),
            chains=2,
            draws=200,
            tune=300,
            seed=1,
            progress=False,
        )
    table = checking.compare({"adstock": demo_fit, "no_adstock": flat})
    assert table.index[0] == "adstock"
    assert abs(table.loc["no_adstock", "elpd_diff"]) > 2 * table.loc["no_adstock", "dse"]


@pytest.mark.slow
def test_time_slice_cv_forecasts_the_demo():
    data, _ = bm.load_demo()
    cv = checking.time_slice_cv(
        data, folds=2, horizon=8, chains=2, draws=200, tune=300, seed=1, progress=False
    )
    assert list(cv.folds["train_rows"]) == [data.n_dates - 16, data.n_dates - 8]
    assert len(cv.forecasts) == 16 and len(cv.roi) == 2 * data.n_channels
    assert (cv.folds["mape"] < 0.10).all()  # noise is 5% of the mean outcome
    assert cv.folds["coverage"].mean() >= 0.6
    fig = check_plots.cv_forecasts(cv)
    assert fig.axes and check_plots.cv_roi_stability(cv).axes


@pytest.mark.slow
def test_compare_variants_ranks_saturation_types(demo_fit):
    """The Michaelis-Menten variant (Hill slope fixed at 1) fits without a slope parameter and
    is ranked next to the default by LOO in one table; every registered component is a
    variant."""
    variants = checking.default_variants()
    assert variants["michaelis_menten"].saturation == "michaelis_menten"
    assert variants["logistic"].saturation == "logistic"
    assert variants["delayed_adstock"].adstock == "delayed"
    assert "no_adstock" in variants and "no_trend" in variants
    table, fits = checking.compare_variants(
        demo_fit.data,
        {"default": bm.ModelSpec(), "michaelis_menten": variants["michaelis_menten"]},
        chains=2,
        draws=200,
        tune=300,
        seed=1,
        progress=False,
    )
    assert set(table.index) == {"default", "michaelis_menten"}
    assert table["elpd_diff"].iloc[0] == 0.0 and table["elpd"].is_monotonic_decreasing
    assert {"divergences", "max_r_hat"} <= set(table.columns)
    mm = fits["michaelis_menten"]
    assert "slope" not in mm.posterior
    assert np.isfinite(mm.diagnostics.max_r_hat)  # the fixed slope is left out of r_hat
    assert "slope" not in mm.priors
    learned = bm.prior_posterior(mm)
    assert "slope" not in set(learned["parameter"])
    roi = bm.roi_table(mm)
    assert np.isfinite(roi["roi_mean"]).all()
