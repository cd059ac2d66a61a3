"""Every sampler behind ``fit(..., sampler=...)`` and ``--sampler``: draws with the fit's schema,
approximate ones labelled as such. Small draws: these check plumbing, not statistics (the
recovery test checks the default sampler's statistics)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from importlib.util import find_spec

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import main
from bayes_mmm.inference import samplers
from bayes_mmm.model.build import build_model

SMALL = dict(chains=2, draws=100, tune=100, seed=3, progress=False)


@pytest.fixture(scope="module")
def demo():
    return bm.load_demo()[0]


def _fit(data, sampler, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, sampler=sampler, **{**SMALL, **kw})


def _check_schema(fit, demo_fit):
    post, ref = fit.posterior, demo_fit.posterior
    assert set(ref.data_vars) <= set(post.data_vars)
    for name in ref.data_vars:
        assert post[name].dims == ref[name].dims, name
    assert np.isfinite(bm.roi_table(fit)[["roi_mean", "roi_lower", "roi_upper"]]).all().all()


def test_available_samplers():
    names = samplers.available_samplers()
    assert names[0] == "nutpie" and {"pymc", "laplace", "advi"} <= set(names)
    assert ("numpyro" in names) == (find_spec("numpyro") is not None)
    with pytest.raises(ValueError, match="sampler must be one of"):
        samplers.run("gibbs", None)


def test_nutpie_uses_the_fast_compile_path(demo_fit):
    d = demo_fit.diagnostics
    assert d.sampler == "nutpie" and not d.approximate
    assert d.compile_seconds > 0


def test_pymc_sampler(demo, demo_fit):
    fit = _fit(demo, "pymc", chains=1, draws=60, tune=60)
    assert fit.diagnostics.sampler == "pymc" and not fit.diagnostics.approximate
    _check_schema(fit, demo_fit)


@pytest.mark.skipif(find_spec("numpyro") is None, reason="numpyro not installed")
def test_numpyro_sampler(demo, demo_fit):
    fit = _fit(demo, "numpyro", chains=1, draws=60, tune=60)
    assert fit.diagnostics.sampler == "numpyro"
    _check_schema(fit, demo_fit)


@pytest.mark.slow
@pytest.mark.skipif(find_spec("numpyro") is None, reason="numpyro not installed")
def test_numpyro_runs_the_same_geo_model():
    """The JAX path (for GPUs, issue 14) samples the geo model itself: its variables, and a
    national ROI that agrees with nutpie's within a third of a posterior sd per channel."""
    from bayes_mmm.analysis.geo import geo_roi_draws
    from bayes_mmm.data.simulate_geo import simulate_geo

    data = simulate_geo(n_geos=3, n_weeks=70, channels=("tv", "search"), seed=3).to_data()
    kw = dict(chains=2, draws=300, tune=300, seed=2)
    fits = {s: _fit(data, s, **kw) for s in ("nutpie", "numpyro")}
    assert fits["numpyro"].diagnostics.sampler == "numpyro"
    assert set(fits["numpyro"].posterior.data_vars) == set(fits["nutpie"].posterior.data_vars)
    roi = {s: geo_roi_draws(f).sel(geo="national") for s, f in fits.items()}
    mean = {s: r.mean(("chain", "draw")).values for s, r in roi.items()}
    sd = roi["nutpie"].std(("chain", "draw")).values
    assert (np.abs(mean["numpyro"] - mean["nutpie"]) < sd / 3).all(), (mean, sd)


def test_numpyro_missing_is_a_clear_error(demo, monkeypatch):
    monkeypatch.setattr(samplers, "find_spec", lambda name: None)
    assert "numpyro" not in samplers.available_samplers()
    with pytest.raises(ValueError, match=r"bayes-mmm\[jax\]"):
        bm.fit(demo, sampler="numpyro", **SMALL)


def test_laplace_is_labelled_approximate_and_close_to_nuts(demo, demo_fit):
    with pytest.warns(bm.SamplingWarning, match="APPROXIMATE"):
        fit = bm.fit(demo, sampler="laplace", **SMALL)
    d = fit.diagnostics
    assert d.approximate and d.sampler == "laplace"
    assert "APPROXIMATE" in str(d) and any("APPROXIMATE" in p for p in d.problems())
    assert fit.posterior.sizes["chain"] == 1 and fit.posterior.sizes["draw"] == 200
    assert d.divergences == 0 and 0 < d.min_ess_bulk <= 200
    _check_schema(fit, demo_fit)
    # the mode-centred approximation lands where NUTS does (generous: short NUTS chains)
    laplace = bm.roi_table(fit).roi_mean.to_numpy()
    nuts = bm.roi_table(demo_fit).roi_mean.to_numpy()
    np.testing.assert_allclose(laplace, nuts, rtol=0.35)
    # saved and loaded, the label stays
    assert json.loads(fit.diagnostics.to_json())["approximate"] is True


def test_advi_is_labelled_approximate(demo):
    model = build_model(demo)
    res = samplers.sample_advi(model, iterations=500, **SMALL, target_accept=0.8)
    assert res.approximate and res.posterior.sizes["draw"] == 200
    assert {"roi", "decay", "intercept"} <= set(res.posterior.data_vars)


def test_cli_sampler_option(tmp_path):
    out = tmp_path / "out"
    args = ["demo", "--out", str(out), "--sampler", "laplace", "--draws", "100", "--quiet"]
    assert main([*args, "--no-plots"]) == 0
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["approximate"] is True and diag["sampler"] == "laplace"


def test_many_geos_get_a_higher_target_acceptance_by_default(demo, monkeypatch):
    """0.95 from 8 geos on a user's long table (region/week/revenue names, 2 channels and a
    control), 0.9 below and for a national table."""
    from test_geo_data import long_frame, read

    from bayes_mmm.inference.fit import default_target_accept

    by_geos = {g: default_target_accept(read(long_frame(n_geos=g))) for g in (2, 7, 8, 12)}
    assert by_geos == {2: 0.9, 7: 0.9, 8: 0.95, 12: 0.95}
    assert (samplers.TARGET_ACCEPT, samplers.GEO_TARGET_ACCEPT) == (0.9, 0.95)
    assert default_target_accept(read(long_frame(n_geos=1), geo=None)) == 0.9
    delayed = bm.ModelSpec(adstock="delayed")  # its sharp ridge as decay -> 0 asks for 0.95
    assert default_target_accept(demo, delayed) == 0.95 and default_target_accept(demo) == 0.9
    seen = []
    laplace = samplers.RUNNERS["laplace"]

    def recording(model, **kw):
        seen.append(kw["target_accept"])
        return laplace(model, **kw)

    monkeypatch.setitem(samplers.RUNNERS, "laplace", recording)
    fits = [_fit(demo, "laplace"), _fit(demo, "laplace", target_accept=0.95)]
    assert seen == [0.9, 0.95]  # national data: the default; then the user's
    assert [f.diagnostics.target_accept for f in fits] == seen
    diverged = [dataclasses.replace(f.diagnostics, divergences=3) for f in fits]
    assert ["e.g. 0.95" in "".join(d.problems()) for d in diverged] == [True, False]
    assert "e.g. 0.98" in "".join(diverged[1].problems())
