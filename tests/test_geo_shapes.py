"""Adstock and saturation shapes varying by geo (``ModelSpec(geo_shapes="pooled")``): the
graph and its numpy twin, dims, the chunked geo analysis and the optimizer's cells using the
per-geo shapes, the spec option, the CLI flag and the simulator's ``shape_geo_sd``. Small
draws (plumbing); the sampling check with figures is benchmarks/geo_shapes.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis import geo as geo_analysis
from bayes_mmm.analysis.geo import chunks_of, geo_contributions, geo_forward
from bayes_mmm.budget.geo_response import geo_current, geo_response
from bayes_mmm.cli import build_parser, spec_from_args
from bayes_mmm.data.simulate_geo import simulate_geo
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import model_and_mean, resolve_priors
from bayes_mmm.model.components import geo_shapes
from bayes_mmm.model.geo import make_geo_design
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

POOLED = ModelSpec(geo_shapes="pooled")
CHANNELS = ("tv", "search", "social")


@pytest.fixture(scope="module")
def sim():
    return simulate_geo(n_geos=3, n_weeks=60, channels=CHANNELS, seed=4, shape_geo_sd=0.4)


def _fit(sim, spec, draws=40):
    with warnings.catch_warnings():  # short chains: plumbing, not health
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(sim.to_data(), spec, chains=2, draws=draws, tune=60, seed=3,
                      progress=False)  # fmt: skip


@pytest.fixture(scope="module")
def pooled_fit(sim):
    return _fit(sim, POOLED)


def _graph_vs_numpy(fit, samples=(0, 17, 79)):
    data, spec = fit.data, fit.spec
    model, mu = model_and_mean(data, spec, resolve_priors(data, spec))
    fn = pytensor.function(model.free_RVs, mu, on_unused_input="ignore")
    draws = fit.draws(*fit.posterior.data_vars)
    numpy_mu = geo_forward(fit.posterior, data, spec).mean_scaled(
        make_geo_design(data, spec), data.geo_spend
    )
    for s in samples:
        graph_mu = fn(**{rv.name: draws[rv.name][s] for rv in model.free_RVs})
        np.testing.assert_allclose(numpy_mu[s], graph_mu, rtol=1e-9, atol=1e-9)


def test_per_geo_shapes_have_geo_dims_and_pool_around_the_national_value(pooled_fit):
    post = pooled_fit.posterior
    for name in (D.DECAY, D.HALF_SAT, D.SLOPE):
        assert post[geo_shapes.geo_name(name)].dims == (D.CHAIN, D.DRAW, D.GEO, D.CHANNEL)
        assert post[geo_shapes.z_name(name)].dims == (D.CHAIN, D.DRAW, D.GEO, D.CHANNEL)
        assert post[geo_shapes.sd_name(name)].dims == (D.CHAIN, D.DRAW)
        assert post[name].dims == (D.CHAIN, D.DRAW, D.CHANNEL)  # the national value
    # the numpy twin of the hierarchy gives the graph's deterministics
    draws = pooled_fit.draws(*post.data_vars)
    for p in pooled_fit.spec.media_params:
        np.testing.assert_allclose(
            geo_shapes.geo_values(draws, p), draws[geo_shapes.geo_name(p.name)], rtol=1e-10
        )
    decay = post[geo_shapes.geo_name(D.DECAY)]
    assert float(decay.std(D.GEO).mean()) > 0  # the shapes do differ by geo
    assert geo_shapes.sd_name(D.DECAY) in pooled_fit.priors


def test_numpy_twin_equals_graph_mean_with_per_geo_shapes(pooled_fit):
    _graph_vs_numpy(pooled_fit)


def test_other_components_vary_by_geo_generically(sim):
    """Delayed adstock (two parameters, one on (0, 1), one positive) and the logistic
    saturation: the option works from each component's parameter list."""
    spec = ModelSpec(geo_shapes="pooled", adstock="delayed", saturation="logistic")
    fit = _fit(sim, spec, draws=20)
    for name in (D.DECAY, D.PEAK, D.LAM):
        assert fit.posterior[geo_shapes.geo_name(name)].dims[-2:] == (D.GEO, D.CHANNEL)
    _graph_vs_numpy(fit, samples=(0, 39))


def test_contributions_sum_to_the_mean_and_chunks_slice_per_geo_shapes(pooled_fit, monkeypatch):
    data, spec = pooled_fit.data, pooled_fit.spec
    fwd = geo_forward(pooled_fit.posterior, data, spec)
    mu = fwd.mean_scaled(make_geo_design(data, spec), data.geo_spend)
    contrib = geo_contributions(pooled_fit)
    total = contrib.sel(geo=list(data.geos)).sum(D.COMPONENT).values.reshape(mu.shape)
    np.testing.assert_allclose(total, mu * fwd.scales.target[None, :, None], rtol=1e-9)
    # one geo per chunk: each chunk's forward model has its own geo's shapes
    for chunk in chunks_of(pooled_fit.posterior, data, spec, width=1):
        for name, values in chunk.fwd.media_forward.media_params.items():
            np.testing.assert_array_equal(
                values, fwd.media_forward.media_params[name][:, chunk.idx]
            )
    monkeypatch.setattr(geo_analysis, "CHUNK_CELLS", 1)
    np.testing.assert_allclose(geo_contributions(pooled_fit), contrib, rtol=1e-12)


def test_optimizer_cells_use_the_per_geo_shapes(pooled_fit):
    data, h = pooled_fit.data, 8
    response = geo_response(pooled_fit, h)
    draws = pooled_fit.draws(*pooled_fit.posterior.data_vars)
    for p in pooled_fit.spec.saturation_component.params:
        expected = draws[geo_shapes.geo_name(p.name)].reshape(len(draws[D.ROI]), -1)
        np.testing.assert_allclose(response.params[p.name], expected, rtol=1e-10)
    # and the cells' increments are the geo forward model's (history and carryover included)
    cells = geo_current(pooled_fit, h)
    fwd, beta, lag = geo_forward(pooled_fit.posterior, data, pooled_fit.spec), draws["beta"], 7
    plan = np.zeros((data.n_geos, h + lag, data.n_channels))
    plan[:, :h] = cells[:, None, :] / h
    hist = data.geo_spend[:, data.n_dates - lag :]
    runs = [fwd.media(np.concatenate([hist, x], axis=1), beta)[:, :, lag:].sum(axis=2)
            for x in (plan, 0 * plan)]  # fmt: skip
    ref = (runs[0] - runs[1]).reshape(len(beta), -1)
    got = response.incremental(cells.ravel())
    assert np.allclose(got, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_unconstrained_scale_twins():
    x = np.array([0.1, 0.5, 0.93])
    for support in ((0.0, 1.0), (0.0, None), (None, 2.0), (None, None), (-1.0, 3.0)):
        u = geo_shapes.unconstrain(x, support)
        np.testing.assert_allclose(geo_shapes.constrain(u, support), x, rtol=1e-12)
        xt = pt.dvector("x")
        f = pytensor.function([xt], geo_shapes.constrain(
            geo_shapes.unconstrain(xt, support, pt) + 0.3, support, pt))  # fmt: skip
        np.testing.assert_allclose(f(x), geo_shapes.constrain(u + 0.3, support), rtol=1e-12)


def test_spec_option_default_serialisation_and_priors():
    assert ModelSpec().geo_shapes == "shared" and "geo_shapes" not in ModelSpec().to_dict()
    old = ModelSpec().to_dict()  # a fit saved before the option: loads as shared
    assert ModelSpec.from_dict(old).geo_shapes == "shared"
    assert ModelSpec.from_json(POOLED.to_json()) == POOLED
    with pytest.raises(ValueError, match="geo_shapes must be one of"):
        ModelSpec(geo_shapes="free")
    with pytest.raises(ValueError, match="'geo_shapes' must be"):
        ModelSpec.from_dict({"geo_shapes": 1})
    with pytest.raises(ValueError, match="unknown parameter 'decay_geo_sd'"):
        ModelSpec(priors={"decay_geo_sd": Prior("Gamma", alpha=2.0, beta=20.0)})
    spec = POOLED.replace(priors={"decay_geo_sd": Prior("Gamma", alpha=2.0, beta=20.0)})
    geo = simulate_geo(n_geos=2, n_weeks=40, channels=("tv",), seed=1).to_data()
    priors = resolve_priors(geo, spec)
    assert priors["decay_geo_sd"].params["beta"] == 20.0
    assert priors["slope_geo_sd"] == geo_shapes.SD_PRIOR
    with pytest.raises(ValueError, match="outside"):
        resolve_priors(geo, POOLED.replace(priors={"slope_geo_sd": Prior("Normal", mu=0, sigma=1)}))
    national = bm.simulate(n_weeks=60, channels=("tv",), seed=1).to_data()
    assert "decay_geo_sd" not in resolve_priors(national, spec)  # one geo: nothing varies


def test_command_line_flag():
    argv = ["fit", "d.csv", "--date", "date", "--target", "y", "--channels", "tv", "--out", "o"]
    prior = "half_saturation_geo_sd=Gamma(alpha=2, beta=5)"
    args = build_parser().parse_args([*argv, "--geo-shapes", "pooled", "--prior", prior])
    spec = spec_from_args(args)
    assert spec.geo_shapes == "pooled" and spec.priors["half_saturation_geo_sd"].params["beta"] == 5
    assert spec_from_args(build_parser().parse_args(argv)).geo_shapes == "shared"
    with pytest.raises(SystemExit):
        build_parser().parse_args([*argv, "--geo-shapes", "free"])


def test_simulator_shape_geo_sd(sim):
    shared = simulate_geo(n_geos=3, n_weeks=60, channels=CHANNELS, seed=4)
    assert shared.truth.media_params_geo is None
    # only the media (and so the outcome) change: spend, controls and sizes are the same
    for col in (*CHANNELS, "promo", "population"):
        np.testing.assert_array_equal(sim.frame[col], shared.frame[col])
    assert not np.allclose(sim.frame["sales"], shared.frame["sales"])
    decay = sim.truth.media_params_geo[D.DECAY]
    assert decay.shape == (3, 3) and ((decay > 0) & (decay < 1)).all()
    assert decay.std(axis=0).min() > 0


def test_geo_curves_and_mroi_use_each_geos_shapes(pooled_fit, monkeypatch):
    """Response curves and marginal ROI per geo (analysis/geo_curves.py) with per-geo shapes:
    a geo's marginal ROI is the finite difference of the geo forward model (which the graph
    twin test ties to the model), and slicing geos one per chunk changes nothing."""
    from bayes_mmm.analysis.geo_curves import geo_mroi_draws, geo_response_curves
    from bayes_mmm.analysis.mroi import extend

    data, fit = pooled_fit.data, pooled_fit
    curves, mroi = geo_response_curves(fit), geo_mroi_draws(fit)
    fwd = geo_forward(fit.posterior, data, fit.spec)
    beta, tail, eps = fit.draws("beta")["beta"], fit.spec.carryover_weeks, 1e-3
    spend = extend(data.geo_spend, tail)
    bump = extend((data.geo_spend > 0).astype(float), tail)
    base, up = (fwd.media(s, beta).sum(axis=2) for s in (spend, spend + eps * bump))
    n_active = (data.geo_spend > 0).sum(axis=1)
    expected = (up - base) / eps / np.where(n_active > 0, n_active, 1)  # (S, geo, channel)
    got = mroi.sel(geo=list(data.geos)).values.reshape(expected.shape)
    active = n_active > 0
    np.testing.assert_allclose(got[:, active], expected[:, active], rtol=1e-3)
    monkeypatch.setattr(geo_analysis, "CHUNK_CELLS", 1)
    np.testing.assert_allclose(geo_response_curves(fit)["mean"], curves["mean"], rtol=1e-12)
    np.testing.assert_allclose(geo_mroi_draws(fit), mroi, rtol=1e-12)


def test_shapes_by_geo_on_national_data_is_refused_before_sampling(tmp_path):
    national = bm.simulate(60, channels=("tv", "search"), seed=2)
    with pytest.raises(bm.DataValidationError, match=r"geo_shapes='pooled'.*--geo COLUMN"):
        bm.fit(national.to_data(), POOLED, chains=1, draws=5, tune=5, progress=False)
    csv = tmp_path / "weekly.csv"
    national.frame.rename(columns={"date": "Week", "sales": "Revenue"}).to_csv(csv, index=False)
    from bayes_mmm.cli import EXIT_BAD_INPUT, main

    args = ["fit", str(csv), "--date", "Week", "--target", "Revenue", "--channels", "tv,search",
            "--geo-shapes", "pooled", "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    assert main(args) == EXIT_BAD_INPUT
    assert not (tmp_path / "out").exists()
