"""Fit quality, the out-of-time forecast (against a refit-free manual computation written out
with plain loops) and the posterior predictive check."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.checks import mape, metrics, r2_score
from bayes_mmm.model.design import fourier_basis

HORIZON = 6


@pytest.fixture(scope="module")
def future(demo_fit) -> bm.MMMData:
    """Six weeks after the fit window with new spend (one channel off), promo and outcome."""
    rng = np.random.default_rng(7)
    data = demo_fit.data
    spend = data.spend.mean(axis=0) * rng.uniform(0.5, 1.5, size=(HORIZON, data.n_channels))
    spend[:3, 2] = 0.0
    promo = np.array([[0.0], [1.0], [0.0], [0.0], [1.0], [0.0]])
    target = data.target[-HORIZON:] * 1.02
    dates = predict.future_dates(demo_fit, HORIZON)
    return predict.rows(demo_fit, dates, spend, controls=promo, target=target)


def manual_forecast(fit: bm.MMMFit, new: bm.MMMData, s: int) -> np.ndarray:
    """The mean outcome of draw ``s`` for the rows ``new`` after the fit window, from the
    model's definition: adstock over the fit window's spend followed by the new spend."""
    data, post = (
        fit.data,
        fit.draws(
            "decay",
            "half_saturation",
            "slope",
            "beta",
            "intercept",
            "trend",
            "seasonality",
            "control_coef",
        ),
    )
    l_max = fit.spec.l_max
    on_mean = np.array([col[col > 0].mean() for col in data.spend.T])
    spend = np.vstack([data.spend, new.spend]) / on_mean  # the model's unit: on-week mean
    n0 = data.n_dates
    mu = np.zeros(new.n_dates)
    for c in range(data.n_channels):
        d = post["decay"][s, c]
        w = d ** np.arange(l_max) / np.sum(d ** np.arange(l_max))
        k, slope, beta = post["half_saturation"][s, c], post["slope"][s, c], post["beta"][s, c]
        for i in range(new.n_dates):
            t = n0 + i
            x = sum(w[lag] * spend[t - lag, c] for lag in range(l_max))
            mu[i] += beta * x**slope / (x**slope + k**slope)
    y_scale = np.mean(np.abs(data.target))
    span = (data.dates[-1] - data.dates[0]).days
    time = np.asarray((new.dates - data.dates[0]).days, dtype=float) / span
    fourier = fourier_basis(new.dates, 2, 0)
    promo_mean, promo_sd = data.controls[:, 0].mean(), data.controls[:, 0].std()
    base = (
        post["intercept"][s]
        + post["trend"][s] * (time - 0.5)
        + fourier @ post["seasonality"][s]
        + post["control_coef"][s, 0] * (new.controls[:, 0] - promo_mean) / promo_sd
    )
    return mu + base * y_scale


def test_forecast_with_carryover_matches_manual_computation(demo_fit, future):
    comp = bm.forecast(demo_fit, future)
    assert comp.dims == ("chain", "draw", "date", "component")
    mu = comp.sum("component").stack(sample=("chain", "draw")).transpose("sample", "date").values
    for s in range(0, 400, 37):
        np.testing.assert_allclose(mu[s], manual_forecast(demo_fit, future, s), rtol=1e-9)
    # the first new weeks carry the fit window's spend: without history they would be lower
    no_history = predict.components(demo_fit, future).sum("component")
    assert (comp.sum("component").isel(date=0) > no_history.isel(date=0)).all()


def test_holdout_check_scores_the_forecast(demo_fit, future):
    held = bm.holdout_check(demo_fit, future, ci_prob=0.9, seed=3)
    y_hat = held.mu.mean(("chain", "draw")).values
    y = future.target
    assert held.metrics["r2"] == pytest.approx(
        1 - np.sum((y - y_hat) ** 2) / np.sum((y - y.mean()) ** 2)
    )
    assert held.metrics["mape"] == pytest.approx(np.mean(np.abs(y - y_hat) / y))
    lo, hi = held.y_rep.quantile([0.05, 0.95], dim=("chain", "draw")).values
    assert held.metrics["coverage"] == pytest.approx(np.mean((lo <= y) & (y <= hi)))
    assert (held.metrics["weeks"], held.metrics["train_weeks"]) == (HORIZON, 156)
    assert held.weeks == HORIZON


def test_holdout_argument_checks(demo_fit):
    with pytest.raises(ValueError, match="holdout weeks must be between 1 and 155"):
        bm.holdout(demo_fit.data, 156)


def test_metrics():
    y = np.array([10.0, 12.0, 8.0, 10.0])
    assert r2_score(y, y) == 1.0
    assert r2_score(y, np.full(4, y.mean())) == 0.0
    assert mape(y, y * 1.1) == pytest.approx(0.1)
    assert mape(np.array([0.0, 10.0]), np.array([5.0, 11.0])) == pytest.approx(0.1)  # y=0 skipped


def test_coverage_counts_values_inside_the_predictive_interval(demo_fit):
    mu = bm.prediction(demo_fit)
    y_rep = bm.predictive(demo_fit, mu, seed=0)
    lo, hi = y_rep.quantile([0.05, 0.95], dim=("chain", "draw")).values
    y = (lo + hi) / 2
    y[:10] = hi[:10] + 1.0  # ten weeks outside
    assert metrics(y, mu, y_rep, 0.9)["coverage"] == pytest.approx(1 - 10 / len(y))


def test_in_sample_fit_quality(demo_fit):
    """The demo (4% noise) is fitted well; the 90% predictive interval covers ~90% of weeks."""
    q = bm.fit_quality(demo_fit)
    assert set(q) >= {"r2", "mape", "coverage", "ci_prob", "rmse", "n"}
    assert q["r2"] > 0.8 and q["mape"] < 0.06
    assert 0.8 <= q["coverage"] <= 0.98
    wide = bm.fit_quality(demo_fit, ci_prob=0.99)
    assert wide["coverage"] >= q["coverage"]


def test_posterior_predictive_check(demo_fit):
    table = bm.ppc(demo_fit)
    assert list(table["statistic"]) == ["mean", "sd", "min", "max", "residual_acf1"]
    assert table["p_value"].between(0, 1).all()
    # the demo is simulated from the model: nothing is badly missed
    assert table["p_value"].between(0.01, 0.99).all(), table
    # an outcome with autocorrelated errors the model does not have is caught
    y = demo_fit.data.target
    resid = y - bm.prediction(demo_fit).mean(("chain", "draw")).values
    bad = pd.Series(resid).rolling(4, min_periods=1).mean().to_numpy() * 3
    broken = replace(demo_fit, data=replace(demo_fit.data, target=y - resid + bad))
    acf = bm.ppc(broken).set_index("statistic").loc["residual_acf1"]
    assert acf["p_value"] < 0.01 and acf["observed"] > 0.5
