"""The hierarchical geo model: graph vs numpy twin, dims, one geo = the national model, and
outputs per geo and nationally. Small draws (plumbing); recovery is in test_geo_recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytensor
import pytest

from bayes_mmm.analysis.geo import geo_contributions, geo_forward, geo_roi_draws, geo_roi_table
from bayes_mmm.data.dataset import from_frame
from bayes_mmm.data.simulate_geo import simulate_geo
from bayes_mmm.inference.fit import fit
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import model_and_mean, resolve_priors
from bayes_mmm.model.geo import make_geo_design
from bayes_mmm.model.spec import ModelSpec


@pytest.fixture(scope="module")
def geo_sim():
    return simulate_geo(n_geos=3, n_weeks=60, channels=("tv", "search", "social"), seed=4)


@pytest.fixture(scope="module")
def geo_fit(geo_sim):
    return fit(geo_sim.to_data(), chains=2, draws=40, tune=60, seed=3, progress=False)


def test_geo_model_dims(geo_fit):
    post = geo_fit.posterior
    assert post[D.ROI_GEO].dims == (D.CHAIN, D.DRAW, D.GEO, D.CHANNEL)
    assert post[D.ROI].dims == (D.CHAIN, D.DRAW, D.CHANNEL)
    assert post[D.SIGMA].dims == (D.CHAIN, D.DRAW, D.GEO)
    assert post["beta"].dims == (D.CHAIN, D.DRAW, D.GEO, D.CHANNEL)
    model = geo_fit.model()
    assert model.named_vars_to_dims[D.OBS] == (D.GEO, D.DATE)
    assert geo_fit.diagnostics.divergences == 0


def test_numpy_twin_equals_graph_mean(geo_fit):
    data, spec = geo_fit.data, geo_fit.spec
    model, mu = model_and_mean(data, spec, resolve_priors(data, spec))
    fn = pytensor.function(model.free_RVs, mu, on_unused_input="ignore")
    draws = geo_fit.draws(*geo_fit.posterior.data_vars)
    fwd = geo_forward(geo_fit.posterior, data, spec)
    numpy_mu = fwd.mean_scaled(make_geo_design(data, spec), data.geo_spend)
    for s in (0, 17, 79):
        graph_mu = fn(**{rv.name: draws[rv.name][s] for rv in model.free_RVs})
        np.testing.assert_allclose(numpy_mu[s], graph_mu, rtol=1e-9, atol=1e-9)


def test_contributions_sum_to_the_mean_and_national_is_the_total(geo_fit):
    data, spec = geo_fit.data, geo_fit.spec
    contrib = geo_contributions(geo_fit)
    assert contrib.dims == (D.CHAIN, D.DRAW, D.GEO, D.DATE, D.COMPONENT)
    fwd = geo_forward(geo_fit.posterior, data, spec)
    mu = fwd.mean_scaled(make_geo_design(data, spec), data.geo_spend)
    total = contrib.sel(geo=list(data.geos)).sum(D.COMPONENT).values.reshape(mu.shape)
    np.testing.assert_allclose(total, mu * fwd.scales.target[None, :, None], rtol=1e-9)
    national = contrib.sel(geo="national")
    np.testing.assert_allclose(national, contrib.sel(geo=list(data.geos)).sum(D.GEO))
    assert geo_contributions(geo_fit, geo="geo01").dims == (D.CHAIN, D.DRAW, D.DATE, D.COMPONENT)


def test_roi_per_geo_and_national(geo_fit):
    roi = geo_roi_draws(geo_fit)
    data = geo_fit.data
    # the model's own per-geo ROI: contributions over the window / spend, draw by draw
    np.testing.assert_allclose(
        roi.sel(geo=list(data.geos)).values, geo_fit.posterior[D.ROI_GEO].values, rtol=1e-9
    )
    weights = data.geo_spend.sum(axis=1) / data.spend.sum(axis=0)
    expected = (geo_fit.posterior[D.ROI_GEO] * weights).sum(D.GEO)
    np.testing.assert_allclose(roi.sel(geo="national").values, expected.values, rtol=1e-9)
    table = geo_roi_table(geo_fit)
    assert list(table.geo.unique()) == ["national", *data.geos]
    assert np.allclose(table[table.geo == "national"].spend, data.spend.sum(axis=0))
    one = geo_roi_table(geo_fit, geo="geo02")
    assert set(one.geo) == {"geo02"} and len(one) == 3
    with pytest.raises(ValueError, match="geo 'nowhere' is not in the fit"):
        geo_roi_draws(geo_fit, geo="nowhere")


def test_one_geo_long_table_is_the_national_model(geo_sim):
    frame = geo_sim.frame[geo_sim.frame.geo == "geo00"].drop(columns=["population"])
    long = from_frame(frame, geo="geo", date="date", target="sales", channels=["tv", "search",
                      "social"], controls=["promo"])  # fmt: skip
    wide = from_frame(frame.drop(columns="geo"), date="date", target="sales",
                      channels=["tv", "search", "social"], controls=["promo"])  # fmt: skip
    assert long.n_geos == 1
    a = fit(long, chains=1, draws=20, tune=30, seed=5, progress=False)
    b = fit(wide, chains=1, draws=20, tune=30, seed=5, progress=False)
    assert D.ROI_GEO not in a.posterior and D.GEO not in a.posterior.dims
    np.testing.assert_array_equal(a.posterior[D.ROI].values, b.posterior[D.ROI].values)


def test_channel_off_in_a_geo_contributes_nothing(geo_sim):
    frame = geo_sim.frame.copy()  # same shapes as geo_fit: the compiled model is reused
    frame.loc[frame.geo == "geo01", "search"] = 0.0
    with pytest.warns(UserWarning, match="never spends"):
        data = from_frame(frame, geo="geo", date="date", target="sales",
                          channels=["tv", "search", "social"], controls=["promo"],
                          population="population")  # fmt: skip
    f = fit(data, chains=1, draws=20, tune=60, seed=1, progress=False)
    contrib = geo_contributions(f, geo="geo01").sel(component="search")
    assert np.all(contrib.values == 0)
    table = geo_roi_table(f, geo="geo01")
    assert pd.isna(table.set_index("channel").loc["search", "roi_mean"])


def test_national_values_are_the_geos_mean(geo_fit):
    """Geo deviations sum to zero over geos: the national ROI is the geometric mean of the
    geos' ROI, the national trend the mean of theirs, the seasonal amplitudes' product 1 (no
    free centre trading against the deviations' mean: the 2-geo divergences' ridge)."""
    post = geo_fit.posterior
    for z in (D.ROI_GEO_Z, D.TREND_GEO_Z, D.SEASON_GEO_Z):
        np.testing.assert_allclose(post[z].sum(D.GEO), 0.0, atol=1e-9)
    log_roi = np.log(post[D.ROI_GEO]).mean(D.GEO)
    np.testing.assert_allclose(log_roi, np.log(post[D.ROI]), rtol=1e-9)
    assert post[D.ROI_GEO_Z].sizes[D.GEO] == geo_fit.data.n_geos


def test_geo_priors_are_configurable(geo_sim):
    from bayes_mmm.model.priors import Prior

    spec = ModelSpec(priors={D.ROI_GEO_SD: Prior("HalfNormal", sigma=0.05)})
    data = geo_sim.to_data()
    priors = resolve_priors(data, spec)
    assert priors[D.ROI_GEO_SD].params["sigma"] == 0.05


def test_summaries_by_geo_chunks_equal_the_full_draws(geo_fit, monkeypatch):
    import bayes_mmm.analysis.geo as geo_analysis
    from bayes_mmm.analysis.summary import summarise

    full = summarise(geo_contributions(geo_fit), 0.9)
    roi = geo_roi_draws(geo_fit)
    monkeypatch.setattr(geo_analysis, "CHUNK_CELLS", 1)  # one geo per chunk
    contrib, fitted = geo_analysis.geo_contribution_summary(geo_fit, 0.9)
    for stat in ("mean", "lower", "upper"):
        np.testing.assert_allclose(contrib[stat], full[stat].transpose(*contrib[stat].dims))
    mu = summarise(geo_contributions(geo_fit).sum(D.COMPONENT), 0.9)
    np.testing.assert_allclose(fitted["upper"], mu["upper"].transpose(*fitted["upper"].dims))
    np.testing.assert_allclose(geo_roi_draws(geo_fit), roi)
    # the ROI from the contributions' pass (as the outputs do) is the ROI computed alone
    sums = geo_analysis.geo_summaries(geo_fit, 0.9).sums
    pd.testing.assert_frame_equal(
        geo_roi_table(geo_fit, 0.9, sums=sums), geo_roi_table(geo_fit, 0.9)
    )


def test_long_passes_over_geo_chunks_report_progress(geo_fit, monkeypatch, caplog):
    import bayes_mmm.analysis.geo as geo_analysis

    n = geo_fit.data.n_geos
    monkeypatch.setattr(geo_analysis, "CHUNK_CELLS", 1)  # one geo per chunk
    with caplog.at_level("INFO", logger=geo_analysis.__name__):
        geo_analysis.geo_contribution_summary(geo_fit, 0.9)  # fast: no message
        assert not caplog.records
        monkeypatch.setattr(geo_analysis, "PROGRESS_EVERY", 0.0)  # every chunk is "long"
        geo_roi_draws(geo_fit)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith(f"ROI: 1 of {n} geos")
    assert messages[-1].startswith(f"ROI: {n} of {n} geos") and len(messages) == n


@pytest.fixture(scope="module")
def named_national_fit():
    """A national fit of a file with the user's own column names and a categorical control."""
    import warnings

    import bayes_mmm as bm

    frame = bm.simulate(80, channels=("tv", "search", "social"), seed=8).frame
    frame = frame.rename(
        columns={
            "date": "Week Start",
            "sales": "Revenue (EUR)",
            "tv": "TV_spend",
            "search": "Paid Search",
            "social": "meta",
        }
    )
    frame["Season"] = np.where(frame["Week Start"].dt.month.isin([11, 12]), "peak", "normal")
    data = from_frame(
        frame,
        date="Week Start",
        target="Revenue (EUR)",
        controls=["Season"],
        channels=["TV_spend", "Paid Search", "meta"],
        categorical=["Season"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return fit(data, chains=2, draws=100, tune=150, seed=2, progress=False)


@pytest.mark.parametrize("which", ["demo_fit", "named_national_fit"])
def test_geo_analysis_of_a_national_fit_is_the_national_answer(which, request):
    demo_fit = request.getfixturevalue(which)
    roi = geo_roi_draws(demo_fit)
    assert list(roi[D.GEO].values) == ["national"]  # the one geo is the nation: once
    expected = demo_fit.posterior[D.ROI].values
    np.testing.assert_allclose(roi.sel(geo="national").values, expected, rtol=1e-9)
    contrib = geo_contributions(demo_fit, geo="national")
    from bayes_mmm.analysis.contributions import contributions

    national = contributions(demo_fit).sum("component")
    total = contrib.sum(D.COMPONENT).transpose(*national.dims)
    np.testing.assert_allclose(total.values, national.values, rtol=1e-9)
    table = geo_roi_table(demo_fit)
    assert list(table.geo) == ["national"] * demo_fit.data.n_channels
    # marginal ROI and curves per geo: the national analysis again (names, controls any)
    from bayes_mmm.analysis.curves import response_curves
    from bayes_mmm.analysis.geo_curves import geo_mroi_draws, geo_response_curves
    from bayes_mmm.analysis.mroi import mroi_draws

    mroi = geo_mroi_draws(demo_fit, geo="national")
    np.testing.assert_allclose(mroi.values, mroi_draws(demo_fit).values, rtol=1e-9)
    curves = geo_response_curves(demo_fit, n_points=7, geo="national")
    national_curves = response_curves(demo_fit, n_points=7).mean(D.SAMPLE_DIMS)
    np.testing.assert_allclose(curves["mean"].values, national_curves.values, rtol=1e-9)


def test_simulate_passes_geo_options_on():
    import bayes_mmm as bm

    def common(share: float) -> float:  # mean correlation of tv spend across geos
        sim = bm.simulate(n_weeks=104, n_geos=6, channels=("tv", "search"), seed=2,
                          national_share=share)  # fmt: skip
        tv = sim.frame.pivot(index="date", columns="geo", values="tv").to_numpy()
        corr = np.corrcoef(np.log(tv).T)
        return corr[np.triu_indices_from(corr, 1)].mean()

    assert common(0.9) > common(0.1) + 0.3
    with pytest.raises(ValueError, match="national_share: geo data only"):
        bm.simulate(n_weeks=60, national_share=0.5)


def test_numpy_twin_equals_graph_mean_with_the_smooth_baseline(geo_sim):
    data, spec = geo_sim.to_data(), ModelSpec(baseline="smooth")
    f = fit(data, spec, chains=1, draws=5, tune=10, seed=2, progress=False)
    model, mu = model_and_mean(data, spec, resolve_priors(data, spec))
    fn = pytensor.function(model.free_RVs, mu, on_unused_input="ignore")
    draws = f.draws(*f.posterior.data_vars)
    fwd = geo_forward(f.posterior, data, spec)
    numpy_mu = fwd.mean_scaled(make_geo_design(data, spec), data.geo_spend)
    for s in (0, 4):
        graph_mu = fn(**{rv.name: draws[rv.name][s] for rv in model.free_RVs})
        np.testing.assert_allclose(numpy_mu[s], graph_mu, rtol=1e-9, atol=1e-9)


# ---- the public analysis functions on a geo fit ------------------------------------------------
def test_public_tables_and_draws_take_geo(geo_fit):
    import bayes_mmm as bm

    table = bm.roi_table(geo_fit)
    mroi = ["mroi_mean", "mroi_lower", "mroi_upper"]
    pd.testing.assert_frame_equal(table.drop(columns=mroi), geo_roi_table(geo_fit))
    assert list(table.geo.unique()) == ["national", *geo_fit.data.geos]
    assert table[mroi].notna().all().all()  # every cell of this fit spends
    one = bm.roi_table(geo_fit, geo="geo01")
    expected = table[table.geo == "geo01"].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, expected)
    contrib = bm.contributions(geo_fit, geo="geo01")
    np.testing.assert_array_equal(contrib.values, geo_contributions(geo_fit, "geo01").values)
    roi = bm.roi_draws(geo_fit, geo="national")
    np.testing.assert_array_equal(roi.values, geo_roi_draws(geo_fit, "national").values)
    assert bm.mroi_draws(geo_fit).dims == (D.CHAIN, D.DRAW, D.GEO, D.CHANNEL)
    curves = bm.response_table(geo_fit)
    two = bm.response_table(geo_fit, geo="geo02")
    expected = curves[curves.geo == "geo02"].reset_index(drop=True)
    pd.testing.assert_frame_equal(two, expected)
    with pytest.raises(ValueError, match="geo 'nowhere' is not in the fit"):
        bm.response_table(geo_fit, geo="nowhere")
    shares = bm.shares_table(geo_fit)
    assert list(shares.geo.unique()) == ["national", *geo_fit.data.geos]
    one_geo = contrib.sum("date").mean(D.SAMPLE_DIMS)  # geo01's window totals per component
    got = shares[shares.geo == "geo01"].set_index("component")["total_mean"]
    np.testing.assert_allclose(got.loc[one_geo.component.values], one_geo.values, rtol=1e-9)


@pytest.mark.parametrize(
    "call",
    ["Analysis", "prediction", "contributions_table", "response_curves", "mroi_at_spend"],
)
def test_national_only_analysis_refuses_a_geo_fit_naming_the_geo_api(geo_fit, call):
    import bayes_mmm as bm

    calls = {"mroi_at_spend": lambda f: bm.mroi_draws(f, spend=f.data.spend)}
    with pytest.raises(bm.GeoFitError, match=r"has 3 geos\. For a geo fit use bm\.analyse"):
        calls.get(call, getattr(bm, call, None))(geo_fit)


def test_fit_checks_of_a_geo_fit_per_geo(geo_fit):
    """bm.ppc and bm.fit_quality of a geo fit: the per-geo tables (national first) of the
    GeoAnalysis; ``geo=`` selects one geo's rows as a national fit gives them."""
    import bayes_mmm as bm
    from bayes_mmm.analysis.geo_checks import geo_fit_quality
    from bayes_mmm.analysis.geo_overview import GeoAnalysis

    a = GeoAnalysis(geo_fit)
    pd.testing.assert_frame_equal(bm.ppc(geo_fit), a.ppc)
    one = bm.ppc(geo_fit, geo="geo01")
    assert list(one.columns) == list(bm.ppc(geo_fit).columns[1:])
    expected = a.ppc[a.ppc.geo == "geo01"].drop(columns="geo").reset_index(drop=True)
    pd.testing.assert_frame_equal(one, expected)
    quality = bm.fit_quality(geo_fit)
    pd.testing.assert_frame_equal(quality, geo_fit_quality(geo_fit))
    national = bm.fit_quality(geo_fit, geo="national")
    assert national == quality.iloc[0].drop("geo").to_dict()
    with pytest.raises(ValueError, match="geo 'nowhere' is not in the fit"):
        bm.ppc(geo_fit, geo="nowhere")


def test_geo_argument_on_a_national_fit(demo_fit):
    import bayes_mmm as bm

    with pytest.raises(ValueError, match="geo='geo01': this is a national fit"):
        bm.roi_table(demo_fit, geo="geo01")
    national = bm.roi_draws(demo_fit, geo="national")
    np.testing.assert_array_equal(national.values, bm.roi_draws(demo_fit).values)
