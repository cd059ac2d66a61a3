"""A fitted model's plumbing: the DataTree schema, the analysis functions against the PyMC
model's own graph, and saving/loading. All tests share one small fit of the demo."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pandas as pd
import pytensor
import pytest
import xarray as xr

import bayes_mmm as bm
from bayes_mmm.io import NETCDF_ENGINE
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior

ROI_COLUMNS = ["channel", "spend", "contribution_mean", "roi_mean", "roi_median", "roi_lower"]
ROI_COLUMNS += ["roi_upper", "mroi_mean", "mroi_lower", "mroi_upper"]


# ---- the PyMC model's mean, evaluated at posterior draws -------------------------------------
def model_mean(model):
    """The mean ``mu`` of the observed variable ``y`` in the model's graph."""
    node = model[D.OBS].owner
    params = node.op.dist_params(node)  # (mu, sigma) or, for Student-t, (nu, mu, sigma)
    return params[1] if node.op.name == "studentt" else params[0]


class MeanFunction:
    """``mu`` (and the intercept) of the model as functions of its free random variables."""

    def __init__(self, fit: bm.MMMFit):
        self.model = fit.model()
        self.names = [rv.name for rv in self.model.free_RVs]
        outputs = [model_mean(self.model)]
        self.has_level = "level" in self.names and D.INTERCEPT in self.model.named_vars
        if self.has_level:
            outputs.append(self.model[D.INTERCEPT])
        self.fn = pytensor.function(self.model.free_RVs, outputs, on_unused_input="ignore")
        self.draws = fit.draws(*self.names)
        assert set(self.draws) == set(self.names), "every free variable is in the posterior"

    def values(self, s: int) -> dict[str, np.ndarray]:
        return {n: self.draws[n][s].copy() for n in self.names}

    def __call__(self, values: dict[str, np.ndarray]) -> list[np.ndarray]:
        return self.fn(*[values[n] for n in self.names])

    def without_channel(self, values: dict[str, np.ndarray], c: int) -> np.ndarray:
        """``mu`` with channel ``c``'s ROI set to zero, the intercept held fixed."""
        values = dict(values)
        outputs = self(values)
        roi = values[D.ROI].copy()
        roi[c] = 0.0
        values[D.ROI] = roi
        if self.has_level:  # the sampler's level absorbs the media means: keep intercept fixed
            values["level"] = values["level"] + (outputs[1] - self(values)[1])
        return self(values)[0]


@pytest.fixture(scope="module")
def mean_function(demo_fit) -> MeanFunction:
    return MeanFunction(demo_fit)


@pytest.fixture(scope="module")
def contributions(demo_fit) -> xr.DataArray:
    return bm.contributions(demo_fit)


# ---- DataTree schema -------------------------------------------------------------------------
def test_datatree_groups_and_dims(demo_fit):
    tree = demo_fit.idata
    assert isinstance(tree, xr.DataTree)
    assert {"posterior", "sample_stats", "observed_data", "constant_data"} <= set(tree.children)
    post = demo_fit.posterior
    assert post.sizes[D.CHAIN] == 2 and post.sizes[D.DRAW] == 200
    assert post[D.ROI].dims == (D.CHAIN, D.DRAW, D.CHANNEL)
    assert list(post[D.CHANNEL].values) == list(demo_fit.data.channels)
    assert post["beta"].dims == (D.CHAIN, D.DRAW, D.CHANNEL)
    const = tree["constant_data"].to_dataset()
    assert const[D.SPEND].dims == (D.DATE, D.CHANNEL)
    assert const[D.CONTROLS].dims == (D.DATE, D.CONTROL)
    assert list(const[D.CONTROL].values) == ["promo"]
    np.testing.assert_array_equal(const[D.SPEND].values, demo_fit.data.spend)
    obs = tree["observed_data"].to_dataset()
    assert obs[D.OBS].dims == (D.DATE,)
    np.testing.assert_array_equal(obs[D.OBS].values, demo_fit.data.target)
    assert (pd.DatetimeIndex(obs[D.DATE].values) == demo_fit.data.dates).all()
    stats = tree["sample_stats"].to_dataset()
    assert "diverging" in stats and stats["diverging"].dims == (D.CHAIN, D.DRAW)


def test_posterior_has_no_per_date_variables(demo_fit):
    post = demo_fit.posterior
    assert D.DATE not in post.dims
    for name, da in post.data_vars.items():
        assert D.DATE not in da.dims, name


def test_posterior_has_every_free_variable(demo_fit, mean_function):
    for name in mean_function.names:
        assert name in demo_fit.posterior, name


def test_attrs_hold_spec_data_and_priors(demo_fit):
    attrs = demo_fit.idata.attrs
    assert bm.ModelSpec.from_json(attrs[D.ATTR_SPEC]) == demo_fit.spec
    meta = json.loads(attrs[D.ATTR_DATA])
    assert meta == {
        "channels": ["tv", "search", "social", "display"],
        "controls": ["promo"],
        "target": "sales",
        "date": "date",
        "period_days": 7,
    }
    priors = {k: Prior.from_dict(v) for k, v in json.loads(attrs[D.ATTR_PRIORS]).items()}
    assert priors == demo_fit.priors
    assert set(demo_fit.spec.channel_params) <= set(priors)
    assert bm.Diagnostics.from_json(attrs[D.ATTR_DIAGNOSTICS]) == demo_fit.diagnostics
    assert attrs[D.ATTR_VERSION]


def test_diagnostics_are_finite(demo_fit):
    d = demo_fit.diagnostics
    for field in ("max_r_hat", "min_ess_bulk", "steps_per_draw", "sampling_seconds"):
        assert np.isfinite(getattr(d, field)), field
    assert isinstance(d.divergences, int) and d.divergences >= 0
    assert d.max_r_hat >= 0.99 and d.min_ess_bulk > 0 and d.steps_per_draw >= 1
    assert (d.chains, d.draws, d.sampler) == (2, 200, "nutpie")
    stats = demo_fit.idata["sample_stats"].to_dataset()
    assert d.divergences == int(stats["diverging"].values.sum())


def test_repr_mentions_the_data(demo_fit):
    text = repr(demo_fit)
    assert "156 weeks" in text and "tv" in text and "promo" in text


# ---- ROI -------------------------------------------------------------------------------------
def test_roi_table(demo_fit):
    table = bm.roi_table(demo_fit)
    assert list(table.columns) == ROI_COLUMNS
    assert list(table["channel"]) == list(demo_fit.data.channels)
    np.testing.assert_allclose(table["spend"], demo_fit.data.spend.sum(axis=0))
    assert (table["roi_lower"] <= table["roi_median"]).all()
    assert (table["roi_median"] <= table["roi_upper"]).all()
    assert (table["roi_lower"] < table["roi_upper"]).all()
    assert (table["roi_lower"] > 0).all()
    np.testing.assert_allclose(
        table["roi_mean"], table["contribution_mean"] / table["spend"], rtol=1e-10
    )
    post_roi = demo_fit.posterior[D.ROI]
    np.testing.assert_allclose(table["roi_mean"], post_roi.mean((D.CHAIN, D.DRAW)), rtol=1e-8)
    np.testing.assert_allclose(table["roi_median"], post_roi.median((D.CHAIN, D.DRAW)), rtol=1e-8)


def test_roi_table_interval_widens_with_probability(demo_fit):
    narrow, wide = bm.roi_table(demo_fit, ci_prob=0.5), bm.roi_table(demo_fit, ci_prob=0.95)
    assert (wide["roi_lower"] <= narrow["roi_lower"]).all()
    assert (wide["roi_upper"] >= narrow["roi_upper"]).all()
    with pytest.raises(ValueError, match="ci_prob"):
        bm.roi_table(demo_fit, ci_prob=1.5)


def test_roi_draws_equal_the_posterior_roi(demo_fit):
    """ROI parametrisation: contributions from the numpy equations reproduce the sampled ROI."""
    draws = bm.roi_draws(demo_fit)
    post = demo_fit.posterior[D.ROI]
    assert draws.dims == post.dims
    np.testing.assert_allclose(draws.values, post.values, rtol=1e-10)


# ---- contributions vs the PyMC model ---------------------------------------------------------
def test_contributions_layout(demo_fit, contributions):
    assert contributions.dims == (D.CHAIN, D.DRAW, D.DATE, D.COMPONENT)
    spec, data = demo_fit.spec, demo_fit.data
    expected = ["baseline"] + ["trend"] * spec.trend
    expected += ["seasonality"] * (sum(spec.fourier_orders(data.span_days, 7)) > 0)
    assert list(contributions[D.COMPONENT].values) == [*expected, "promo", *data.channels]
    assert contributions.sizes[D.DATE] == demo_fit.data.n_dates
    assert np.isfinite(contributions.values).all()
    # channel contributions are non-negative
    media = contributions.sel(component=list(demo_fit.data.channels))
    assert (media.values >= 0).all()


def test_contributions_sum_to_the_models_mean(demo_fit, contributions, mean_function):
    """Components summed equal the PyMC model's own ``mu``, draw by draw."""
    scale = demo_fit.scales.target
    total = contributions.sum(D.COMPONENT).stack(sample=(D.CHAIN, D.DRAW))
    total = total.transpose("sample", D.DATE).values
    prediction = bm.prediction(demo_fit).stack(sample=(D.CHAIN, D.DRAW))
    np.testing.assert_allclose(prediction.transpose("sample", D.DATE).values, total, rtol=1e-12)
    n = total.shape[0]
    assert n == 400
    for s in range(0, n, 7):
        mu = mean_function(mean_function.values(s))[0]
        assert mu.shape == (demo_fit.data.n_dates,)
        np.testing.assert_allclose(total[s], mu * scale, rtol=1e-9, atol=1e-9 * scale)


def test_channel_contributions_match_the_model(demo_fit, contributions, mean_function):
    """Each channel's contribution equals what the model's ``mu`` loses without it."""
    scale = demo_fit.scales.target
    flat = contributions.stack(sample=(D.CHAIN, D.DRAW)).transpose("sample", D.DATE, D.COMPONENT)
    for s in range(0, 400, 23):
        values = mean_function.values(s)
        mu = mean_function(values)[0]
        for c, ch in enumerate(demo_fit.data.channels):
            effect = (mu - mean_function.without_channel(values, c)) * scale
            expected = flat.sel(component=ch).values[s]
            np.testing.assert_allclose(effect, expected, rtol=1e-8, atol=1e-8 * scale)


def test_contribution_totals_match_roi_table(demo_fit, contributions):
    table = bm.roi_table(demo_fit).set_index("channel")
    for ch in demo_fit.data.channels:
        total = contributions.sel(component=ch).sum(D.DATE).mean((D.CHAIN, D.DRAW))
        assert float(total) == pytest.approx(table.loc[ch, "contribution_mean"], rel=1e-10)


def test_contributions_table(demo_fit):
    table = bm.contributions_table(demo_fit)
    assert list(table.columns) == ["date", "component", "mean", "lower", "upper"]
    n_components = len(bm.contributions(demo_fit)[D.COMPONENT])
    assert len(table) == demo_fit.data.n_dates * n_components
    assert (table["lower"] <= table["upper"]).all()


def test_parameters_in_user_units(demo_fit):
    params = bm.parameters(demo_fit)
    post = demo_fit.posterior
    spend = demo_fit.data.spend
    spend_scale = np.array([col[col > 0].mean() for col in spend.T])  # on-week mean
    np.testing.assert_allclose(
        params[D.HALF_SAT].transpose(D.CHAIN, D.DRAW, D.CHANNEL).values,
        post[D.HALF_SAT].transpose(D.CHAIN, D.DRAW, D.CHANNEL).values * spend_scale,
    )
    np.testing.assert_allclose(
        params[D.SIGMA].values, post[D.SIGMA].values * demo_fit.scales.target
    )
    summary = bm.parameter_summary(demo_fit)
    assert summary.index.name == "parameter"
    assert "roi[tv]" in summary.index and "sigma" in summary.index


# ---- save / load -----------------------------------------------------------------------------
@pytest.fixture
def no_pickle(monkeypatch):
    """Make any unpickling fail."""

    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)


def test_save_load_round_trip_without_pickle(demo_fit, tmp_path, no_pickle):
    path = bm.save(demo_fit, tmp_path / "model.nc")
    assert path == tmp_path / "model.nc"
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"  # netCDF4/HDF5, not a pickle
    loaded = bm.load(path)
    pd.testing.assert_frame_equal(bm.parameter_summary(loaded), bm.parameter_summary(demo_fit))
    xr.testing.assert_identical(bm.roi_draws(loaded), bm.roi_draws(demo_fit))
    pd.testing.assert_frame_equal(bm.roi_table(loaded), bm.roi_table(demo_fit))
    assert loaded.spec == demo_fit.spec
    assert loaded.priors == demo_fit.priors
    assert loaded.diagnostics == demo_fit.diagnostics
    d0, d1 = demo_fit.data, loaded.data
    assert d1.meta() == d0.meta()
    assert (d1.dates == d0.dates).all()
    for field in ("target", "spend", "controls"):
        np.testing.assert_array_equal(getattr(d1, field), getattr(d0, field))


def test_saved_file_is_plain_netcdf(demo_fit, tmp_path):
    path = bm.save(demo_fit, tmp_path / "model.nc")
    with xr.open_datatree(path, engine=NETCDF_ENGINE) as tree:
        assert {"posterior", "sample_stats", "observed_data", "constant_data"} <= set(tree.children)
        for node in tree.subtree:
            for name, da in node.to_dataset(inherit=False).data_vars.items():
                assert da.dtype != object, name
        assert bm.ModelSpec.from_json(tree.attrs[D.ATTR_SPEC]) == demo_fit.spec


def test_save_skips_the_dask_client_lookup_and_leaves_imports_as_they_were(demo_fit, tmp_path):
    """Writing model.nc does not import ``distributed`` (xarray's look for a dask client,
    0.25-0.5 s) while none can exist, and leaves it importable; with it imported (a dask
    client possible) the write goes through xarray's own lookup."""
    import subprocess
    import sys

    path = bm.save(demo_fit, tmp_path / "a.nc")
    code = (
        "import sys, bayes_mmm as bm\n"
        f"fit = bm.load({str(path)!r})\n"
        f"bm.save(fit, {str(tmp_path / 'b.nc')!r})\n"
        "assert 'distributed' not in sys.modules and 'dask.distributed' not in sys.modules\n"
        "import dask.distributed\n"  # still importable afterwards
        f"bm.save(fit, {str(tmp_path / 'c.nc')!r})\n"  # with distributed imported
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
    for name in ("b.nc", "c.nc"):
        again = bm.load(tmp_path / name)
        np.testing.assert_array_equal(again.posterior[D.ROI], demo_fit.posterior[D.ROI])


def test_loaded_fit_rebuilds_the_model(demo_fit, tmp_path):
    loaded = bm.load(bm.save(demo_fit, tmp_path / "model.nc"))
    model = loaded.model()
    assert {rv.name for rv in model.free_RVs} == {rv.name for rv in demo_fit.model().free_RVs}


def test_save_is_atomic(demo_fit, tmp_path, monkeypatch):
    path = tmp_path / "model.nc"
    bm.save(demo_fit, path)
    assert sorted(os.listdir(tmp_path)) == ["model.nc"]  # no temporary files left
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    before = path.read_bytes()

    def broken(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as fh:
            fh.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.DataTree, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        bm.save(demo_fit, path)
    assert path.read_bytes() == before  # the old file is untouched
    assert sorted(os.listdir(tmp_path)) == ["model.nc"]


def test_save_creates_parent_directories_and_overwrites(demo_fit, tmp_path):
    path = tmp_path / "a" / "b" / "model.nc"
    bm.save(demo_fit, path)
    bm.save(demo_fit, path)
    assert sorted(os.listdir(path.parent)) == ["model.nc"]
    assert bm.load(path).spec == demo_fit.spec


def test_load_errors(tmp_path):
    with pytest.raises(bm.ModelFileError, match=r"missing\.nc' does not exist"):
        bm.load(tmp_path / "missing.nc")
    other = tmp_path / "other.nc"
    xr.DataTree.from_dict({"posterior": xr.Dataset({"a": ("x", [1.0])})}).to_netcdf(
        other, engine=NETCDF_ENGINE
    )
    with pytest.raises(ValueError, match="not a bayes_mmm model file"):
        bm.load(other)
