"""Prior vs posterior: prior draws from the resolved priors, contraction, and the flags."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

import bayes_mmm as bm


@pytest.fixture(scope="module")
def prior(demo_fit) -> xr.Dataset:
    return bm.prior_draws(demo_fit, draws=4000, seed=0)


def test_prior_draws_follow_the_priors(demo_fit, prior):
    post = demo_fit.posterior
    for name in ("roi", "decay", "half_saturation", "slope", "intercept", "sigma", "seasonality"):
        assert prior[name].dims == post[name].dims, name
        assert prior[name].sizes["draw"] == 4000 and prior[name].sizes["chain"] == 1
    # decay ~ Beta(2, 2): mean 0.5, sd sqrt(1/20)
    assert float(prior["decay"].mean()) == pytest.approx(0.5, abs=0.01)
    assert float(prior["decay"].std()) == pytest.approx(np.sqrt(1 / 20), rel=0.03)
    # the ROI prior is per channel, centred where the data put it before fitting
    roi_mu = np.asarray(demo_fit.priors["roi"].params["mu"], dtype=float)
    log_median = np.log(prior["roi"].median(("chain", "draw")).values)
    np.testing.assert_allclose(log_median, np.broadcast_to(roi_mu, log_median.shape), atol=0.06)
    same = bm.prior_draws(demo_fit, draws=4000, seed=0)
    xr.testing.assert_identical(same, prior)


def test_prior_posterior_table(demo_fit, prior):
    table = bm.prior_posterior(demo_fit, prior=prior)
    columns = ["parameter", "item", "prior_mean", "prior_sd", "prior_lower", "prior_upper"]
    columns += ["posterior_mean", "posterior_sd", "posterior_lower", "posterior_upper"]
    assert list(table.columns) == [
        *columns,
        "contraction",
        "shift",
        "prior_quantile",
        "width_ratio",
    ]
    t = table.set_index(["parameter", "item"])
    assert t.loc[("decay", "tv"), "prior_sd"] == pytest.approx(
        float(prior["decay"].sel(channel="tv").std())
    )
    post_sd = float(demo_fit.posterior["roi"].sel(channel="tv").std())
    assert t.loc[("roi", "tv"), "posterior_sd"] == pytest.approx(post_sd)
    # what 156 weeks of data certainly teach: ROI, the mean level and the noise scale
    assert (t.loc["roi", "contraction"] > 0.5).all()
    assert t.loc[("intercept", ""), "contraction"] > 0.9
    assert t.loc[("sigma", ""), "contraction"] > 0.9
    assert (table["contraction"] < 1).all() and (table["width_ratio"] > 0).all()


def test_uninformative_data_is_flagged(demo_fit, prior):
    """A 'posterior' that is just the prior teaches nothing: every channel is flagged."""
    fake_post = demo_fit.posterior.copy()
    rng = np.random.default_rng(0)
    for name in ("decay", "half_saturation", "slope"):
        values = prior[name].values[0]
        pick = rng.choice(len(values), size=400, replace=False)
        fake_post[name] = (fake_post[name].dims, values[pick].reshape(fake_post[name].shape))
    tree = demo_fit.idata.copy()
    tree["posterior"] = xr.DataTree(fake_post)
    fake = replace(demo_fit, idata=tree)
    table = bm.prior_posterior(fake, prior=prior)
    flags = bm.learning_flags(table, demo_fit.data.channels)
    for ch in demo_fit.data.channels:
        assert any(f.startswith(f"{ch}: the data could not inform its saturation") for f in flags)
        assert any(f.startswith(f"{ch}: the data could not inform its carryover") for f in flags)
    informed = bm.learning_flags(table.assign(contraction=0.9), demo_fit.data.channels)
    assert not any("could not inform" in f for f in informed)
    # a posterior drawn from the prior sits in the middle of it: no conflict
    shapes = table[table.parameter.isin(["decay", "half_saturation", "slope"])]
    assert shapes["prior_quantile"].between(0.35, 0.65).all()
    assert not any(f.startswith(("decay[", "half_saturation[", "slope[")) for f in flags)


def test_prior_conflict_is_flagged(demo_fit, prior):
    table = bm.prior_posterior(demo_fit, prior=prior)
    table.loc[(table.parameter == "roi") & (table["item"] == "tv"), "prior_quantile"] = 0.998
    table.loc[(table.parameter == "decay") & (table["item"] == "search"), "prior_quantile"] = 0.01
    flags = bm.learning_flags(table, demo_fit.data.channels)
    assert any(f.startswith("roi[tv]: the posterior median lies above 99.8% of the") for f in flags)
    assert any(f.startswith("decay[search]: the posterior median lies below 99.0%") for f in flags)


def test_prior_quantile_is_the_posterior_medians_place_in_the_prior(demo_fit, prior):
    """Checked against the LogNormal prior's own CDF: scale-free, where ``shift`` is not."""
    from scipy import stats

    table = bm.prior_posterior(demo_fit, prior=prior).set_index(["parameter", "item"])
    p = demo_fit.priors["half_saturation"].params
    for ch in demo_fit.data.channels:
        median = float(demo_fit.posterior["half_saturation"].sel(channel=ch).median())
        mu, sigma = (
            np.broadcast_to(p[k], (4,))[demo_fit.data.channels.index(ch)] for k in ("mu", "sigma")
        )
        exact = stats.norm.cdf((np.log(median) - mu) / sigma)
        assert table.loc[("half_saturation", ch), "prior_quantile"] == pytest.approx(
            exact, abs=0.02
        )
