"""Response curves (steady state) against the model's forward computation, adstock weights."""

from __future__ import annotations

import numpy as np

import bayes_mmm as bm
from bayes_mmm.analysis import draws as predict


def flat(da, *dims):
    return da.stack(sample=("chain", "draw")).transpose("sample", *dims).values


def test_steady_state_equals_constant_spend_forward(demo_fit):
    """Spending x every week, the contribution after l_max weeks is the curve at x."""
    curves = bm.response_curves(demo_fit, max_multiple=3.0, n_points=7)
    assert curves.dims == ("chain", "draw", "spend_multiple", "channel")
    spend_at = curves["weekly_spend"].transpose("spend_multiple", "channel").values
    np.testing.assert_allclose(spend_at[2], demo_fit.data.spend.mean(axis=0))  # multiple 1
    values = flat(curves, "spend_multiple", "channel")
    weeks = demo_fit.spec.l_max + 2
    for i in (1, 2, 6):
        constant = np.tile(spend_at[i], (weeks, 1))
        media = predict.media(demo_fit, constant)
        np.testing.assert_allclose(media[:, -1, :], values[:, i, :], rtol=1e-10)
        # the first weeks have not built up the carryover yet
        assert (media[:, 0, :] < values[:, i, :]).all()
    np.testing.assert_allclose(values[:, 0, :], 0.0, atol=1e-6 * values[:, -1, :].max())


def test_curves_rise_towards_beta(demo_fit):
    values = flat(bm.response_curves(demo_fit), "spend_multiple", "channel")
    assert (np.diff(values, axis=1) > 0).all()
    beta = flat(demo_fit.posterior["beta"], "channel")
    assert (values[:, -1, :] < beta).all()


def test_current_response_and_table(demo_fit):
    curves = bm.response_curves(demo_fit, n_points=61)
    now = bm.current_response(demo_fit)
    np.testing.assert_allclose(
        flat(now, "channel"), flat(curves.isel(spend_multiple=20), "channel"), rtol=1e-10
    )
    table = bm.response_table(demo_fit, ci_prob=0.9, curves=curves)
    assert list(table.columns) == [
        "channel",
        "spend_multiple",
        "weekly_spend",
        "mean",
        "lower",
        "upper",
    ]
    assert len(table) == 61 * demo_fit.data.n_channels
    assert list(table["channel"].unique()) == list(demo_fit.data.channels)
    tv = table[table["channel"] == "tv"]
    mean = curves.sel(channel="tv").mean(("chain", "draw")).values
    np.testing.assert_allclose(tv["mean"], mean)
    lower, upper = bm.analysis.summary.interval(curves.sel(channel="tv"), 0.9)
    np.testing.assert_allclose(tv["lower"], lower.values)
    np.testing.assert_allclose(tv["upper"], upper.values)
    social = table[table["channel"] == "social"]  # flighted: current spend is the all-week mean
    mean_spend = demo_fit.data.spend.mean(axis=0)
    np.testing.assert_allclose(tv["weekly_spend"], tv["spend_multiple"] * mean_spend[0])
    np.testing.assert_allclose(social["weekly_spend"], social["spend_multiple"] * mean_spend[2])


def test_adstock_curves(demo_fit):
    w = bm.adstock_curves(demo_fit)
    assert w.dims == ("chain", "draw", "lag", "channel")
    assert w.sizes["lag"] == demo_fit.spec.l_max
    np.testing.assert_allclose(w.sum("lag").values, 1.0)
    decay = flat(demo_fit.posterior["decay"], "channel")
    powers = decay[:, None, :] ** np.arange(8)[None, :, None]
    np.testing.assert_allclose(
        flat(w, "lag", "channel"), powers / powers.sum(axis=1, keepdims=True)
    )
    assert (w.diff("lag") <= 0).all()  # geometric decay
