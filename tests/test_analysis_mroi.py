"""Marginal ROI: the analytic adstock chain rule against finite differences of the model's own
forward computation (``predict.media``), draw by draw, carryover past the window included."""

from __future__ import annotations

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.mroi import carryover_weeks, extend, mroi_values


def finite_difference(fit: bm.MMMFit, c: int, tail: int, rel_step: float = 1e-4) -> np.ndarray:
    """Central difference per draw: extra outcome (window + ``tail`` weeks) per extra unit of
    spend, one unit added in every week channel ``c`` spends."""
    spend = fit.data.spend
    active = spend[:, c] > 0
    eps = rel_step * spend[active, c].min()
    base = extend(spend, tail)
    bump = np.zeros_like(base)
    bump[: len(spend), c] = eps * active
    up = predict.media(fit, base + bump)[:, :, c].sum(axis=1)
    down = predict.media(fit, base - bump)[:, :, c].sum(axis=1)
    return (up - down) / (2 * eps * active.sum())


def test_mroi_equals_finite_differences_per_draw(demo_fit):
    analytic = mroi_values(demo_fit)
    tail = carryover_weeks(demo_fit)
    assert tail == demo_fit.spec.l_max - 1
    assert analytic.shape == (400, demo_fit.data.n_channels)
    for c in range(demo_fit.data.n_channels):  # includes the flighted channel (zero weeks)
        fd = finite_difference(demo_fit, c, tail)
        np.testing.assert_allclose(analytic[:, c], fd, rtol=1e-6)


def test_carryover_past_the_window_is_counted(demo_fit):
    """Without the l_max-1 extra weeks the last weeks' carryover would be lost."""
    analytic = mroi_values(demo_fit)
    for c in range(demo_fit.data.n_channels):
        truncated = finite_difference(demo_fit, c, tail=0)
        assert (truncated < analytic[:, c]).all()


def test_mroi_draws_layout_and_table(demo_fit):
    draws = bm.mroi_draws(demo_fit)
    assert draws.dims == ("chain", "draw", "channel")
    assert list(draws.channel.values) == list(demo_fit.data.channels)
    assert (draws.values > 0).all()
    table = bm.roi_table(demo_fit, mroi=draws)
    np.testing.assert_allclose(table["mroi_mean"], draws.mean(("chain", "draw")), rtol=1e-12)
    assert (table["mroi_lower"] < table["mroi_mean"]).all()
    assert (table["mroi_mean"] < table["mroi_upper"]).all()


def test_mroi_falls_with_more_spend_on_a_concave_curve(demo_fit):
    """Far beyond the half-saturation point every Hill curve is concave: the next unit buys
    less at 50x the spend than at the current spend, draw by draw."""
    now = mroi_values(demo_fit)
    more = mroi_values(demo_fit, 50 * demo_fit.data.spend)
    assert (more < now).all()


def test_mroi_needs_spend(demo_fit):
    spend = demo_fit.data.spend.copy()
    spend[:, 0] = 0.0
    with pytest.raises(ValueError, match="at least one week with spend"):
        mroi_values(demo_fit, spend)


def test_pairwise_probabilities_count_draws():
    import xarray as xr

    values = np.array([[[1.0, 2.0, 0.5], [3.0, 2.5, 0.1], [0.2, 1.0, 0.3], [2.0, 0.0, 5.0]]])
    draws = xr.DataArray(
        values, dims=("chain", "draw", "channel"), coords={"channel": ["a", "b", "c"]}
    )
    p = bm.pairwise_probabilities(draws)
    assert list(p.index) == ["a", "b", "c"] and list(p.columns) == ["a", "b", "c"]
    assert p.loc["a", "b"] == 0.5  # draws 2 and 4
    assert p.loc["b", "c"] == 0.75 and p.loc["c", "a"] == 0.5
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose((p.values + p.values.T)[off], 1.0)
    assert np.isnan(np.diag(p.values)).all()
    with pytest.raises(ValueError, match="extra dims"):
        bm.pairwise_probabilities(draws.expand_dims(date=2, axis=2))


def test_pairwise_probabilities_of_a_fit(demo_fit):
    mroi = bm.mroi_draws(demo_fit)
    p = bm.pairwise_probabilities(mroi)
    flat = mroi.stack(s=("chain", "draw")).transpose("s", "channel").values
    assert p.loc["tv", "display"] == pytest.approx(np.mean(flat[:, 0] > flat[:, 3]))
