"""Windowed lift tests in the likelihood: a spend change on one channel over ``weeks``
periods, its lift summed over the test and ``carryover_weeks`` periods after it.

Before the test the channel spent ``x0`` (scaled) every period, so its adstocked spend had
settled at ``x0``. During the test it spends ``x0 + d``; adstock is linear with normalised
weights ``w`` (lags ``l``), so in period ``t`` of the measurement window (``t = 0`` is the
test's first period) the adstocked spend is ``x0 + d * W_t`` with
``W_t = sum_{l: 0 <= t - l < weeks} w_l``. The expected lift is

    beta_c * sum_{measured_from <= t < weeks + carryover_weeks} [h(x0 + d W_t) - h(x0)],

which depends on the decay (how fast the effect builds up and fades) as well as on the
curve. With geos (:mod:`bayes_mmm.model.geo`) a test's rows are per tested geo: each geo x
channel cell with its own ``beta``, spend unit and (with ``geo_shapes="pooled"``) shapes,
its lift converted from the geo's scaled outcome to the test's (``scale``) and summed. The
numpy twin is :func:`bayes_mmm.experiments.window.window_lift`, which runs the
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
    """Windowed tests in model units, one row per (test, tested geo, measured period):
    ``cell[r]`` one-hot of the row's geo x channel cell (geo-major; nationally the channel),
    ``x0`` and ``delta`` in the cell's spend unit, ``reach[r, l]`` = 1 where lag ``l`` of the
    row's period falls inside its test, ``rows[r, i]`` = 1 for the rows of test ``i``,
    ``scale[r]`` the row's geo outcome scale over its test's (1 nationally); lift and sigma
    per test over the test's scale. (Flat 2-d arrays: the compiled fast path handles them.)"""

    cell: np.ndarray  # (row, cell)
    rows: np.ndarray  # (row, window_test)
    x0: np.ndarray  # (row,)
    delta: np.ndarray  # (row,)
    reach: np.ndarray  # (row, lag)
    scale: np.ndarray  # (row,)
    lift: np.ndarray  # (window_test,)
    sigma: np.ndarray  # (window_test,)
    labels: list[str]


@dataclass(frozen=True)
class Member:
    """One tested geo of a test: its cell, the cell's spend unit, its share of the test's
    spend and its outcome scale relative to the test's."""

    cell: int
    unit: float
    share: float
    scale: float


def reach_rows(weeks: int, start: int, stop: int, n_lags: int) -> np.ndarray:
    """``(stop - start, lag)``: 1 where ``0 <= t - l < weeks``, for ``start <= t < stop``."""
    since = np.arange(start, stop)[:, None] - np.arange(n_lags)[None, :]
    return ((since >= 0) & (since < weeks)).astype("float64")


def rows_design(tests: LiftTests, labels: list[str], members: list[list[Member]], n_cells: int,
                test_scale: np.ndarray, n_lags: int) -> WindowDesign:  # fmt: skip
    """The rows of windowed ``tests`` (all windowed), test ``i`` run in ``members[i]``."""
    cols: dict[str, list] = {k: [] for k in ("cell", "test", "x0", "delta", "reach", "scale")}
    for i, test_members in enumerate(members):
        weeks, start = int(tests.weeks[i]), int(tests.measured_from[i])
        stop = weeks + int(tests.carryover_weeks[i])
        reach = reach_rows(weeks, start, stop, n_lags)
        for m in test_members:
            n = stop - start
            cols["cell"] += [m.cell] * n
            cols["test"] += [i] * n
            cols["x0"] += [tests.spend[i] * m.share / m.unit] * n
            cols["delta"] += [tests.delta_spend[i] * m.share / m.unit] * n
            cols["reach"].append(reach)
            cols["scale"] += [m.scale] * n
    return WindowDesign(
        cell=np.eye(n_cells)[cols["cell"]],
        rows=np.eye(len(tests))[cols["test"]],
        x0=np.asarray(cols["x0"], dtype="float64"),
        delta=np.asarray(cols["delta"], dtype="float64"),
        reach=np.vstack(cols["reach"]),
        scale=np.asarray(cols["scale"], dtype="float64"),
        lift=tests.lift / test_scale,
        sigma=tests.sigma / test_scale,
        labels=list(labels),
    )


def window_design(
    tests: LiftTests, labels: list[str], channels: tuple[str, ...], scales: Scales, n_lags: int
) -> WindowDesign:
    """The windowed tests of ``tests`` (all rows windowed) in the national model's units."""
    idx = tests.channel_index(channels)
    members = [[Member(int(c), float(scales.spend[c]), 1.0, 1.0)] for c in idx]
    scale = np.full(len(tests), float(scales.target))
    return rows_design(tests, labels, members, len(channels), scale, n_lags)


def window_lift_pt(design: WindowDesign, beta, adstock, ad_params, saturation, sat_params, n_lags):
    """Expected lift ``(window_test,)`` in each test's scaled outcome (pytensor); ``beta``
    ``(cell,)`` each cell's weekly contribution at saturation in its geo's scaled outcome,
    the shape parameters per cell."""
    cell = pm.Data("window_cell", design.cell)
    rows = pm.Data("window_rows", design.rows)
    x0 = pm.Data("window_x0", design.x0)
    delta = pm.Data("window_delta", design.delta)
    reach = pm.Data("window_reach", design.reach)
    scale = pm.Data("window_scale", design.scale)
    w = pt.dot(cell, adstock.weights_pt(ad_params, n_lags).T)  # (row, lag)
    after = x0 + delta * (reach * w).sum(axis=1)  # x0 + d W_t
    tested = {k: pt.dot(cell, v) for k, v in sat_params.items()}
    # saturations take x (..., channel) and parameters (channel,): rows play the channels
    h = saturation.forward_pt(pt.stack([x0, after]), tested)
    return pt.dot(pt.dot(cell, beta) * scale * (h[1] - h[0]), rows)


def add_window_tests(design: WindowDesign, beta, adstock, ad_params, saturation, sat_params, n):
    """The measured windowed lifts as observations of :func:`window_lift_pt`."""
    mu = window_lift_pt(design, beta, adstock, ad_params, saturation, sat_params, n)
    sigma = pm.Data("window_sigma", design.sigma, dims=D.WINDOW_TEST)
    observed = pm.Data("window_observed", design.lift, dims=D.WINDOW_TEST)
    pm.Normal(D.WINDOW_OBS, mu=mu, sigma=sigma, observed=observed, dims=D.WINDOW_TEST)
