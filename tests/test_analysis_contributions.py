"""Contributions and shares: components add up to the prediction draw by draw; shares add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis import draws as predict


@pytest.fixture(scope="module")
def analysis(demo_fit) -> bm.Analysis:
    return bm.analyse(demo_fit, ci_prob=0.9)


def test_components_sum_to_the_prediction_draw_by_draw(demo_fit, analysis):
    comp = analysis.contributions
    assert comp.dims == ("chain", "draw", "date", "component")
    mu = analysis.prediction
    np.testing.assert_allclose(comp.sum("component").values, mu.values, rtol=1e-12)
    # ... and to the forward computation for the fit window, split anywhere (carryover kept)
    data = demo_fit.data
    tail = predict.components(demo_fit, data.slice(90), history=data.spend[:90]).sum("component")
    np.testing.assert_allclose(tail.values, mu.isel(date=slice(90, None)).values, rtol=1e-10)
    # each channel's contribution is what the prediction loses without its spend
    for c, ch in enumerate(data.channels):
        spend = data.spend.copy()
        spend[:, c] = 0.0
        without = predict.media(demo_fit, spend).sum(axis=2)
        total = predict.media(demo_fit, data.spend).sum(axis=2)
        lost = (total - without).reshape(comp.sizes["chain"], comp.sizes["draw"], -1)
        np.testing.assert_allclose(lost, comp.sel(component=ch).values, rtol=1e-9, atol=1e-9)


def test_shares_add_up(demo_fit, analysis):
    shares = analysis.shares
    np.testing.assert_allclose(shares["share_of_total"].sum("component").values, 1.0)
    np.testing.assert_allclose(shares["share_of_media"].sum("channel").values, 1.0)
    np.testing.assert_allclose(
        shares["total"].values, analysis.contributions.sum("date").values, rtol=1e-12
    )
    roi = bm.roi_draws(demo_fit)
    np.testing.assert_allclose(analysis.roi.values, roi.values, rtol=1e-12)


def test_shares_table(demo_fit, analysis):
    table = analysis.shares_table
    assert list(table["component"]) == list(analysis.contributions.component.values)
    for name in ("total", "share_of_total", "share_of_media"):
        assert {f"{name}_mean", f"{name}_lower", f"{name}_upper"} <= set(table.columns)
    media = table.set_index("component").loc[list(demo_fit.data.channels)]
    assert (media["share_of_media_lower"] < media["share_of_media_upper"]).all()
    assert media["share_of_media_mean"].sum() == pytest.approx(1.0)
    assert table.set_index("component").loc["baseline", "share_of_media_mean"] != 0  # NaN
    assert np.isnan(table.set_index("component").loc["baseline", "share_of_media_mean"])
    # the demo's media share is about 35% of the outcome (simulated truth)
    summary = analysis.summary()
    assert 0.2 < summary["media_share"]["mean"] < 0.5


def test_contributions_table_matches_draws(analysis):
    table = analysis.contributions_table
    comp = analysis.contributions
    assert len(table) == comp.sizes["date"] * comp.sizes["component"]
    row = table[(table.component == "tv")].iloc[10]
    draws = comp.sel(component="tv").isel(date=10).values.ravel()
    assert row["mean"] == pytest.approx(draws.mean())
    assert row["lower"] == pytest.approx(np.quantile(draws, 0.05))
    assert row["upper"] == pytest.approx(np.quantile(draws, 0.95))


def test_analysis_is_lazy_and_json_ready(demo_fit):
    import json

    a = bm.analyse(demo_fit)
    assert "contributions" not in a.__dict__
    a.roi_table  # noqa: B018
    assert "contributions" in a.__dict__ and "prior" not in a.__dict__
    text = json.dumps(a.summary())
    assert "r2" in text and "NaN" not in text
    with pytest.raises(ValueError, match="ci_prob"):
        bm.analyse(demo_fit, ci_prob=1.0)


def test_analysis_never_depends_on_the_users_date_column_name(demo_fit):
    """The user's date column may be called anything (here 'Week Start'): every analysis uses
    the internal dimension ``date`` (issue 12 fixed the crash this caused after sampling)."""
    import dataclasses

    data = demo_fit.data
    renamed = dataclasses.replace(
        data, dates=data.dates.rename("Week Start"), date_name="Week Start"
    )
    fit = dataclasses.replace(demo_fit, data=renamed)
    a = bm.analyse(fit)
    assert a.contributions.dims == ("chain", "draw", "date", "component")
    assert list(a.contributions_table.columns[:2]) == ["date", "component"]
    pd.testing.assert_frame_equal(a.roi_table, bm.analyse(demo_fit).roi_table)
    assert a.summary()["r2"] == bm.analyse(demo_fit).summary()["r2"]
    ds = bm.budget.scenario(fit, horizon=4, scale={"tv": 1.1})
    assert ds["weekly"].dims == ("chain", "draw", "date")
