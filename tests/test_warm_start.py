"""Warm starts (``bm.fit(..., init=earlier)``, ``bayes-mmm fit --init model.nc``): each chain
starts at a posterior draw of an earlier fit, taken to the new model's unconstrained space
(``bayes_mmm.inference.start``). The speed-up it buys is measured in
``benchmarks/results/geo_lift_warmup.md``, not here."""

from __future__ import annotations

import json
import logging
import warnings

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import EXIT_BAD_INPUT, main
from bayes_mmm.inference.start import initial_point_function, start_points
from bayes_mmm.model.build import build_model

SMALL = dict(chains=2, draws=60, tune=80, progress=False)


@pytest.fixture(scope="module")
def earlier():
    """A short fit of 2 channels (its draws are the starting points)."""
    data = bm.simulate(70, channels=("tv", "search"), seed=4).to_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, seed=2, **SMALL)


def _constrained(model, rv, value):
    transform = model.rvs_to_transforms.get(rv)
    if transform is None:
        return np.asarray(value)
    return np.asarray(transform.backward(value, *rv.owner.inputs).eval())


def test_start_points_are_draws_of_the_earlier_fit_on_the_unconstrained_scale(earlier):
    """Taken back through the model's transforms, every point is one posterior draw of the
    earlier fit, all of its parameters at once (a wrong transform, shape or draw fails)."""
    model = build_model(earlier.data, earlier.spec)
    points = start_points(model, earlier, chains=3, seed=5)
    assert points is not None and len(points) == 3
    post = earlier.posterior
    for point in points:
        back = {rv.name: _constrained(model, rv, point[model.rvs_to_values[rv].name])
                for rv in model.free_RVs}  # fmt: skip
        match = np.ones((post.sizes["chain"], post.sizes["draw"]), dtype=bool)
        for name, value in back.items():
            draws = post[name].values.reshape(*match.shape, -1)
            match &= np.isclose(draws, np.ravel(value), rtol=1e-9, atol=1e-12).all(axis=-1)
        assert match.sum() >= 1, "a start point is not a draw of the earlier fit"
    assert not np.allclose(points[0]["roi_log__"], points[1]["roi_log__"])  # other draws


def test_the_flat_start_follows_the_compiled_layout_chain_after_chain():
    points = [{"a": np.array([1.0, 2.0]), "b": np.array(3.0)}, {"a": np.zeros(2), "b": 9.0}]
    start = initial_point_function(points, ["b", "a"])
    assert start(7).tolist() == [3.0, 1.0, 2.0]
    assert start(7).tolist() == [9.0, 0.0, 0.0]
    assert start(0).tolist() == [3.0, 1.0, 2.0]  # a retry after the last point: the first


def test_another_model_starts_cold_and_says_why(earlier, caplog):
    three = bm.simulate(70, channels=("tv", "search", "social"), seed=4).to_data()
    with caplog.at_level(logging.INFO, logger="bayes_mmm"):
        assert start_points(build_model(three), earlier, chains=2, seed=1) is None
    assert "no warm start" in caplog.text and "roi" in caplog.text


def test_the_same_shapes_under_other_labels_start_cold(earlier, caplog):
    renamed = bm.simulate(70, channels=("radio", "print"), seed=4).to_data()
    with caplog.at_level(logging.INFO, logger="bayes_mmm"):
        assert start_points(build_model(renamed), earlier, chains=2, seed=1) is None
    assert "labels differ" in caplog.text


def test_a_warm_started_fit_samples_the_same_posterior(earlier):
    """Started at the earlier fit's draws, 4 chains agree with a cold start's posterior
    (ROI means within 4 Monte Carlo standard errors) and converge (max r_hat over 10 seeds at
    4 x 300: warm 1.004-1.020, mean 1.009; cold 1.007-1.014, mean 1.010)."""
    data = earlier.data
    run = dict(chains=4, draws=500, tune=300, seed=3, progress=False)
    cold, warm = bm.fit(data, **run), bm.fit(data, init=earlier, **run)
    assert warm.diagnostics.max_r_hat < 1.02 and warm.diagnostics.divergences == 0
    a, b = (f.posterior["roi"].stack(s=("chain", "draw")).values for f in (cold, warm))
    se = np.sqrt(
        a.var(axis=1) / cold.diagnostics.min_ess_bulk
        + b.var(axis=1) / warm.diagnostics.min_ess_bulk
    )
    assert np.all(np.abs(a.mean(axis=1) - b.mean(axis=1)) < 4 * se)
    assert not np.array_equal(a, b)  # it did start elsewhere
    assert (warm.diagnostics.start, cold.diagnostics.start) == ("earlier fit", "")


def test_cli_init(tmp_path, capsys):
    csv = tmp_path / "sales.csv"
    frame = bm.simulate(70, channels=("tv", "search"), seed=4).frame  # a user's column names
    frame.rename(columns={"date": "Week Start", "sales": "revenue"}).to_csv(csv, index=False)
    args = ["fit", str(csv), "--date", "Week Start", "--target", "revenue", "--channels",
            "tv,search", "--controls", "promo", "--chains", "2", "--draws", "60", "--tune", "80",
            "--no-plots", "--no-report"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "first")]) == 0  # the earlier fit, from the CLI
    capsys.readouterr()
    init = str(tmp_path / "first" / "model.nc")
    assert main([*args, "--out", str(tmp_path / "a"), "--init", init]) == 0
    assert "starting each chain at a posterior draw of the earlier fit" in capsys.readouterr().err
    assert json.loads((tmp_path / "a" / "diagnostics.json").read_text())["start"] == "earlier fit"
    assert main([*args, "--out", str(tmp_path / "b"), "--init", str(tmp_path / "no.nc")]) == (
        EXIT_BAD_INPUT
    )
    assert "--init: model file" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_the_compiled_model_starts_each_chain_at_a_draw_of_the_earlier_fit(earlier):
    """What nutpie is given: the compiled model's initial-point function, expanded by its own
    expand function to the model's variables, gives each chain one earlier draw (a wrong
    layout of the flat vector or a wrong transform fails here)."""
    from bayes_mmm.inference._compile.memo import compile_reusing
    from bayes_mmm.inference.samplers import _started

    model = build_model(earlier.data, earlier.spec)
    compiled, _ = compile_reusing(model)
    started = _started(compiled, start_points(model, earlier, 2, seed=1), len(model.free_RVs))
    names, slices, _ = started.shape_info
    post, found = earlier.posterior, []
    for _ in range(2):
        values = np.asarray(started.expand_func(started.initial_point_func(0))[0])
        match = np.ones((post.sizes["chain"], post.sizes["draw"]), dtype=bool)
        for name in ("roi", "decay", "slope", "sigma", "level"):
            draws = post[name].values.reshape(*match.shape, -1)
            match &= np.isclose(draws, values[slices[names.index(name)]], rtol=1e-9).all(-1)
        assert match.sum() >= 1
        found.append(np.argwhere(match)[0].tolist())
    assert found[0] != found[1]  # two chains, two draws
