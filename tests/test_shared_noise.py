"""A weekly shock common to all geos (``ModelSpec(geo_noise="shared")``, ``--geo-noise``).

- The marginal log density (the shock integrated out, Sherman-Morrison) equals SciPy's
  multivariate normal with covariance ``diag(sigma**2) + tau**2`` in numpy and in pytensor
  (one code for both), and independent normals when ``tau`` is 0.
- A lift test's noise (``design_tests``) adds the shock common to the tested geos: its
  weekly variance grows by ``(sigma_shared x their summed mean outcome)**2``.
- The option is checked before any work: national data, a Student-t likelihood and unknown
  values are refused, naming the option; it round-trips through the spec's JSON.
- On simulated geos whose weeks share shocks (known sd), the shared fit recovers that sd, and
  its national 90% predictive interval (the sum over geos) covers the national outcome about
  as often as it says; the default fit (independent noise) covers far fewer weeks: the
  failure the option exists for. Measured side by side on the same data.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

import bayes_mmm as bm
from bayes_mmm.budget.synthetic_geo import geo_truth_fit
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.data.validate import DataValidationError
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.model.build import check_rows
from bayes_mmm.model.components.likelihood import shared_week_logp
from bayes_mmm.model.geo import GeoScales
from bayes_mmm.model.spec import ModelSpec


def _case(seed: int = 0, n_geos: int = 5, n_weeks: int = 7):
    rng = np.random.default_rng(seed)
    resid = rng.normal(0, 0.1, size=(n_geos, n_weeks))
    sigma = rng.uniform(0.03, 0.12, size=n_geos)
    return resid, sigma, 0.07


def test_the_marginal_density_is_the_multivariate_normal_in_numpy_and_pytensor():
    resid, sigma, tau = _case()
    cov = np.diag(sigma**2) + tau**2
    want = stats.multivariate_normal(np.zeros(len(sigma)), cov).logpdf(resid.T)
    got = shared_week_logp(np, resid, sigma, np.float64(tau))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    r, s, t = pt.matrix("r"), pt.vector("s"), pt.scalar("t")
    fn = pytensor.function([r, s, t], shared_week_logp(pt, r, s, t))
    np.testing.assert_allclose(fn(resid, sigma, tau), want, rtol=1e-12)
    independent = stats.norm.logpdf(resid, 0, sigma[:, None]).sum(axis=0)
    np.testing.assert_allclose(shared_week_logp(np, resid, sigma, np.float64(0.0)), independent)
    draws = np.stack([sigma, sigma * 2])  # a draw axis in front: (2, geo)
    both = shared_week_logp(np, resid[None], draws, np.array([tau, 0.0]))
    np.testing.assert_allclose(both[0], want, rtol=1e-12)


def test_every_chunk_of_geos_gets_the_same_weekly_shock():
    """The national replicate sums chunks of geos: a shock drawn per chunk would be partly
    independent across geos and the national interval too narrow again."""
    from bayes_mmm.model.components.likelihood import SharedShock

    tau = np.array([0.02, 0.05, 0.08])  # three draws
    shock = SharedShock(ModelSpec(geo_noise="shared"), np.random.default_rng(1))
    first = shock({"sigma_shared": tau}, np.array([100.0, 300.0]), (3, 2, 10))
    second = shock({"sigma_shared": tau}, np.array([50.0]), (3, 1, 10))
    eta = first[:, 0] / (tau[:, None] * 100.0)
    np.testing.assert_allclose(first[:, 1] / (tau[:, None] * 300.0), eta)
    np.testing.assert_allclose(second[:, 0] / (tau[:, None] * 50.0), eta)
    assert np.std(eta) > 0.5  # drawn, not zero
    off = SharedShock(ModelSpec(), np.random.default_rng(1))
    assert off({"sigma_shared": tau}, np.array([1.0]), (3, 1, 10)) == 0.0


def test_a_geo_tests_noise_includes_the_shock_its_geos_share():
    sim = bm.simulate(n_weeks=60, n_geos=3, seed=5)
    plain = geo_truth_fit(sim)
    tree = plain.idata.copy()
    post = tree["posterior"].to_dataset()
    tree["posterior"] = post.assign(sigma_shared=post["sigma"] * 0 + 0.03)
    shared = dataclasses.replace(plain, idata=tree)
    cands = pd.DataFrame({"channel": ["tv", "search"], "change": ["go_dark", "-50%"],
                          "weeks": [4, 6], "geo": ["", "geo01+geo02"]})  # fmt: skip
    before, after = (candidate_tests(f, cands)[1] for f in (plain, shared))
    target = GeoScales.from_data(plain.data).target
    measured = cands["weeks"].to_numpy() + before["carryover_weeks"].to_numpy()
    extra = (0.03 * np.array([target.sum(), target[1:].sum()])) ** 2 * measured
    np.testing.assert_allclose(after["sigma"] ** 2 - before["sigma"] ** 2, extra, rtol=1e-10)


def test_the_option_is_checked_before_any_work_and_round_trips():
    spec = ModelSpec(geo_noise="shared")
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert "geo_noise" not in ModelSpec().to_dict()  # default files stay as they were
    with pytest.raises(ValueError, match="geo_noise must be one of"):
        ModelSpec(geo_noise="common")
    with pytest.raises(ValueError, match="likelihood='normal'"):
        ModelSpec(geo_noise="shared", likelihood="studentt")
    national = bm.simulate(60, seed=2).to_data()
    with pytest.raises(DataValidationError, match="--geo-noise"):
        check_rows(national, spec)


@pytest.mark.slow
def test_shared_shocks_are_recovered_and_widen_the_national_interval():
    truth_tau = 0.04
    sim = bm.simulate(104, n_geos=6, seed=11, noise=0.03, shared_noise=truth_tau)
    frame = sim.frame.rename(columns={"geo": "dma", "date": "week", "sales": "orders"})
    data = bm.from_frame(frame, date="week", target="orders", channels=sim.channels,
                         controls=["promo"], geo="dma")  # fmt: skip
    run = dict(chains=2, draws=500, tune=500, seed=3, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shared = bm.fit(data, ModelSpec(geo_noise="shared"), **run)
        independent = bm.fit(data, **run)
    assert shared.diagnostics.divergences == 0 and shared.diagnostics.max_r_hat <= 1.02
    tau = shared.posterior["sigma_shared"].values.ravel()
    lo, hi = np.quantile(tau, [0.05, 0.95])
    assert lo < truth_tau < hi and lo > 0.015  # recovered, and told from zero
    roi = bm.roi_table(shared)
    national = roi[roi["geo"] == NATIONAL].set_index("channel").loc[list(sim.channels)]
    true_media = float((sim.truth.roi * national["spend"].to_numpy()).sum())
    # the total media effect is identified (measured: 1% off); the split across the four
    # channels is not, in either model, on these 104 weeks
    assert abs(national["contribution_mean"].sum() / true_media - 1) < 0.1

    def national_coverage(fit) -> float:
        table = bm.fit_quality(fit)
        return float(table.loc[table["geo"] == NATIONAL, "coverage"].iloc[0])

    with_shock, without = national_coverage(shared), national_coverage(independent)
    assert with_shock >= 0.8  # the nominal 90%, give or take 104 correlated weeks
    assert without <= 0.75 and with_shock - without >= 0.2  # measured: 0.93 vs 0.64
