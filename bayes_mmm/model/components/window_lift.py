"""Windowed lift tests in the likelihood: a spend change on one channel over ``weeks``
periods, its lift summed over the test and ``carryover_weeks`` periods after it.

Before the test the channel spent ``x0`` (scaled) every period, so its adstocked spend had
settled at ``x0``. During the test it spends ``x0 + d``; adstock is linear with normalised
weights ``w`` (lags ``l``), so in period ``t`` of the measurement window (``t = 0`` is the
test's first period) the adstocked spend is ``x0 + d * W_t`` with
``W_t = sum_{l: 0 <= t - l < weeks} w_l``. The expected lift is

    beta_c * sum_{measured_from <= t < weeks + carryover_weeks} [h(x0 + d W_t) - h(x0)],

which depends on the decay (how fast the effect builds up and fades) as well as on the
curve. The numpy twin is :func:`bayes_mmm.experiments.window.window_lift`, which runs the
counterfactual spend paths through :class:`~bayes_mmm.model.forward.Forward` itself
(``tests/test_window.py`` checks they agree at posterior draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.data.scaling import Scales
from bayes_mmm.model import dims as D

pm = lazy_module("pymc")
pt = lazy_module("pytensor.tensor")


@dataclass(frozen=True)
class WindowDesign:
    """Windowed tests in model units, one row per (test, measured period): ``x0`` and
    ``delta`` in on-week mean spend, ``reach[r, l]`` = 1 where lag ``l`` of row ``r``'s period
    falls inside its test, ``rows[r, i]`` = 1 for the rows of test ``i``; lift and sigma per
    test / mean outcome. (Flat 2-d arrays: the compiled fast path handles them.)"""

    onehot: np.ndarray  # (window_test, channel)
    rows: np.ndarray  # (row, window_test)
    x0: np.ndarray  # (row,)
    delta: np.ndarray  # (row,)
    reach: np.ndarray  # (row, lag)
    lift: np.ndarray  # (window_test,)
    sigma: np.ndarray  # (window_test,)
    labels: list[str]


def reach_rows(weeks: int, start: int, stop: int, n_lags: int) -> np.ndarray:
    """``(stop - start, lag)``: 1 where ``0 <= t - l < weeks``, for ``start <= t < stop``."""
    since = np.arange(start, stop)[:, None] - np.arange(n_lags)[None, :]
    return ((since >= 0) & (since < weeks)).astype("float64")


def window_design(
    tests: LiftTests, labels: list[str], channels: tuple[str, ...], scales: Scales, n_lags: int
) -> WindowDesign:
    """The windowed tests of ``tests`` (all rows windowed) in the model's units."""
    idx = tests.channel_index(channels)
    unit = scales.spend[idx]
    stop = (tests.weeks + tests.carryover_weeks).astype(int)
    start = tests.measured_from.astype(int)
    test_of_row = np.repeat(np.arange(len(tests)), stop - start)
    reach = [
        reach_rows(int(w), int(a), int(b), n_lags)
        for w, a, b in zip(tests.weeks, start, stop, strict=True)
    ]
    return WindowDesign(
        onehot=np.eye(len(channels))[idx],
        rows=np.eye(len(tests))[test_of_row],
        x0=(tests.spend / unit)[test_of_row],
        delta=(tests.delta_spend / unit)[test_of_row],
        reach=np.vstack(reach),
        lift=tests.lift / scales.target,
        sigma=tests.sigma / scales.target,
        labels=list(labels),
    )


def window_lift_pt(design: WindowDesign, beta, adstock, ad_params, saturation, sat_params, n_lags):
    """Expected lift ``(window_test,)`` in scaled outcome (pytensor); ``beta`` ``(channel,)``
    the weekly contribution at saturation in scaled outcome."""
    onehot = pm.Data("window_channel", design.onehot, dims=(D.WINDOW_TEST, D.CHANNEL))
    rows = pm.Data("window_rows", design.rows)
    x0 = pm.Data("window_x0", design.x0)
    delta = pm.Data("window_delta", design.delta)
    reach = pm.Data("window_reach", design.reach)
    row_channel = pt.dot(rows, onehot)  # (row, channel)
    w = pt.dot(row_channel, adstock.weights_pt(ad_params, n_lags).T)  # (row, lag)
    after = x0 + delta * (reach * w).sum(axis=1)  # x0 + d W_t
    tested = {k: pt.dot(row_channel, v) for k, v in sat_params.items()}
    # saturations take x (..., channel) and parameters (channel,): rows play the channels
    h = saturation.forward_pt(pt.stack([x0, after]), tested)
    return pt.dot(onehot, beta) * pt.dot(h[1] - h[0], rows)


def add_window_tests(design: WindowDesign, beta, adstock, ad_params, saturation, sat_params, n):
    """The measured windowed lifts as observations of :func:`window_lift_pt`."""
    mu = window_lift_pt(design, beta, adstock, ad_params, saturation, sat_params, n)
    sigma = pm.Data("window_sigma", design.sigma, dims=D.WINDOW_TEST)
    observed = pm.Data("window_observed", design.lift, dims=D.WINDOW_TEST)
    pm.Normal(D.WINDOW_OBS, mu=mu, sigma=sigma, observed=observed, dims=D.WINDOW_TEST)
