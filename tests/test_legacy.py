"""Model files written before spend was measured in on-week mean spend (all-week mean spend,
no spend-unit attribute): converted on loading, or refused with a clear error."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pymc as pm
import pytest
import xarray as xr

import bayes_mmm as bm
from bayes_mmm.data.scaling import allweek_share, onweek_mean, onweek_to_allweek
from bayes_mmm.legacy import rescale_prior
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior


@pytest.mark.parametrize(
    "prior",
    [
        Prior("LogNormal", mu=0.0, sigma=0.4),
        Prior("LogNormal", mu=[0.1, 0.2, 0.3], sigma=0.5),
        Prior("Gamma", alpha=4.0, beta=2.0),
        Prior("Gamma", mu=1.5, sigma=0.5),
        Prior("InverseGamma", alpha=3.0, beta=2.0),
        Prior("Weibull", alpha=2.0, beta=1.5),
        Prior("HalfNormal", sigma=2.0),
        Prior("Exponential", lam=0.8),
    ],
)
def test_rescaled_prior_is_the_prior_of_the_rescaled_parameter(prior):
    r = np.array([1.0, 0.4, 0.25])
    k = np.array([0.3, 0.9, 2.2])
    new = rescale_prior(prior, r)

    def logp(p: Prior, x: np.ndarray) -> np.ndarray:
        dist = getattr(pm, p.dist).dist(**p._kwargs(), shape=x.shape)
        return pm.logp(dist, x).eval()

    np.testing.assert_allclose(logp(new, r * k), logp(prior, k) - np.log(r), rtol=1e-9)


def test_rescale_prior_refuses_unknown_families():
    with pytest.raises(ValueError, match="cannot rescale"):
        rescale_prior(Prior("TruncatedNormal", mu=1.0, sigma=1.0, lower=0.0), np.ones(2))


def old_format(fit: bm.MMMFit, half_sat_prior: Prior | None = None) -> xr.DataTree:
    """``fit``'s DataTree as an earlier version wrote it: spend scaled by the all-week mean,
    half-saturation and saturation logit in that unit, no spend-unit attribute."""
    spend = fit.data.spend
    tree = fit.idata.copy()
    post = tree["posterior"].to_dataset()
    k = post[D.HALF_SAT].copy(data=onweek_to_allweek(post[D.HALF_SAT].values, spend))
    post = post.assign({D.HALF_SAT: k, D.SAT_LOGIT: -post[D.SLOPE] * np.log(k)})
    tree["posterior"] = xr.DataTree(post)
    const = tree["constant_data"].to_dataset()
    const[D.SPEND_SCALE] = (D.CHANNEL, spend.mean(axis=0))
    tree["constant_data"] = xr.DataTree(const)
    priors = json.loads(tree.attrs[D.ATTR_PRIORS])
    priors[D.HALF_SAT] = (half_sat_prior or Prior("LogNormal", mu=0.0, sigma=0.4)).to_dict()
    tree.attrs[D.ATTR_PRIORS] = json.dumps(priors)
    del tree.attrs[D.ATTR_SPEND_UNIT]
    return tree


def write(fit: bm.MMMFit, tree: xr.DataTree, path):
    return bm.save(dataclasses.replace(fit, idata=tree), path)


def test_old_model_file_is_converted(demo_fit, tmp_path):
    tree = old_format(demo_fit)
    spend = demo_fit.data.spend
    r = allweek_share(spend)
    assert r[2] < 0.5 and np.allclose(r[[0, 1, 3]], 1.0)  # social is flighted
    old_post = tree["posterior"].to_dataset()
    loaded = bm.load(write(demo_fit, tree, tmp_path / "old.nc"))
    post = loaded.posterior
    assert loaded.idata.attrs[D.ATTR_SPEND_UNIT] == "onweek_mean"
    for name in (D.HALF_SAT, D.SAT_LOGIT, D.ROI, "beta"):
        np.testing.assert_allclose(post[name].values, demo_fit.posterior[name].values, rtol=1e-9)
    np.testing.assert_allclose(
        post[D.SAT_LOGIT].values, -(post[D.SLOPE] * np.log(post[D.HALF_SAT])).values, rtol=1e-9
    )
    const = loaded.idata["constant_data"].to_dataset()
    np.testing.assert_allclose(const[D.SPEND_SCALE].values, onweek_mean(spend), rtol=1e-12)
    prior = loaded.priors[D.HALF_SAT]
    np.testing.assert_allclose(prior.params["mu"], np.log(r), atol=1e-12)
    # the old meaning, computed by hand: at the all-week mean spend (1 in the old unit) the
    # steady-state curve is beta * hill(1; k_old, slope)
    old = old_post["beta"] * 1 / (1 + old_post[D.HALF_SAT] ** old_post[D.SLOPE])
    np.testing.assert_allclose(bm.current_response(loaded).values, old.values, rtol=1e-9)
    xr.testing.assert_allclose(bm.contributions(loaded), bm.contributions(demo_fit))


def test_old_file_of_always_on_channels_loads_unchanged(demo_fit, tmp_path):
    data = demo_fit.data
    spend = data.spend.copy()
    spend[spend == 0] = 1.0  # every channel spends every week
    fit = dataclasses.replace(demo_fit, data=dataclasses.replace(data, spend=spend))
    tree = old_format(fit, Prior("TruncatedNormal", mu=1.0, sigma=1.0, lower=0.0))
    tree["constant_data"] = xr.DataTree(
        tree["constant_data"].to_dataset().assign({D.SPEND: ((D.DATE, D.CHANNEL), spend)})
    )
    loaded = bm.load(write(demo_fit, tree, tmp_path / "old.nc"))
    np.testing.assert_array_equal(
        loaded.posterior[D.HALF_SAT].values, tree["posterior"][D.HALF_SAT].values
    )
    assert loaded.priors[D.HALF_SAT].dist == "TruncatedNormal"


def test_old_file_with_an_unconvertible_prior_and_unknown_units_are_refused(demo_fit, tmp_path):
    tree = old_format(demo_fit, Prior("TruncatedNormal", mu=1.0, sigma=1.0, lower=0.0))
    with pytest.raises(ValueError, match="fit the model again"):
        bm.load(write(demo_fit, tree, tmp_path / "old.nc"))
    tree = demo_fit.idata.copy()
    tree.attrs[D.ATTR_SPEND_UNIT] = "median_spend"
    with pytest.raises(ValueError, match="does not know"):
        bm.load(write(demo_fit, tree, tmp_path / "new.nc"))
