"""The forward computation for new rows: history carries adstock across a cut exactly."""

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis import draws as predict


def test_split_window_equals_whole_window(demo_fit):
    data = demo_fit.data
    whole = bm.contributions(demo_fit)
    cut = 100
    tail = predict.components(demo_fit, data.slice(cut), history=data.spend[:cut])
    np.testing.assert_allclose(tail.values, whole.isel(date=slice(cut, None)).values, rtol=1e-10)


def test_without_history_carryover_is_lost(demo_fit):
    data = demo_fit.data
    cut = 100
    with_hist = predict.media(demo_fit, data.spend[cut:], history=data.spend[:cut])
    no_hist = predict.media(demo_fit, data.spend[cut:])
    # the first weeks after the cut lose the carryover of earlier spend, later weeks do not
    assert (with_hist[:, 0, :] > no_hist[:, 0, :]).all()
    l_max = demo_fit.spec.l_max
    np.testing.assert_allclose(with_hist[:, l_max:, :], no_hist[:, l_max:, :], rtol=1e-10)


def test_future_rows_default_controls_and_dates(demo_fit):
    dates = predict.future_dates(demo_fit, 4)
    assert (np.diff(dates.values).astype("timedelta64[D]").astype(int) == 7).all()
    assert dates[0] - demo_fit.data.dates[-1] == np.timedelta64(7, "D")
    new = predict.rows(demo_fit, dates, np.ones((4, demo_fit.data.n_channels)))
    np.testing.assert_allclose(
        new.controls, demo_fit.data.controls.mean(axis=0)[None, :].repeat(4, 0)
    )
    comp = predict.components(demo_fit, new, history=demo_fit.data.spend)
    assert comp.sizes["date"] == 4
    assert "seasonality" in comp.component.values


def test_noise_draws_spread_matches_sigma(demo_fit):
    mu = bm.prediction(demo_fit)
    y = predict.noise_draws(demo_fit, mu, seed=0)
    resid = (y - mu).values.ravel()
    sigma = float(demo_fit.posterior["sigma"].mean()) * demo_fit.scales.target
    assert resid.std() == pytest.approx(sigma, rel=0.05)
