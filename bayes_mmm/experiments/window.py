"""Windowed lift tests after the fit: the lift the forward model predicts for a spend change
over a window, carryover included (numpy twin of :mod:`bayes_mmm.model.components.window_lift`).

A test on channel ``c``: the channel had spent ``spend`` every period; for ``weeks`` periods
it spends ``spend + delta_spend``; the lift is the total change in outcome over the test and
the ``carryover_weeks`` periods after it (from period ``measured_from`` of the test on).
Both spend paths (with and without the change, after ``n_lags`` periods of ``spend`` so the
adstock has settled) go through :meth:`bayes_mmm.model.forward.Forward.media`, and the lift
is the difference of the channel's contributions summed over the measurement window.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.data.lift import LiftTests
from bayes_mmm.model.forward import Forward


def spend_paths(
    n_channels: int, channel: int, spend: float, delta: float, weeks: int, measured: int, lags: int
) -> tuple[np.ndarray, np.ndarray]:
    """History ``(2, lags, C)`` and measurement window ``(2, measured, C)``: path 0 without
    the change, path 1 with it (as two geos of the forward model)."""
    history = np.zeros((2, lags, n_channels))
    history[:, :, channel] = spend
    window = np.zeros((2, measured, n_channels))
    window[:, :, channel] = spend
    window[1, :weeks, channel] += delta
    return history, window


def window_lift(forward: Forward, tests: LiftTests, channels: tuple[str, ...]) -> np.ndarray:
    """``(S, test)`` expected lift (outcome units, summed over each measurement window) of
    windowed ``tests`` (every row windowed)."""
    if not tests.windowed.all():
        raise ValueError("window_lift takes windowed tests only (weeks >= 1)")
    idx = tests.channel_index(channels)
    lags = forward.spec.n_lags
    out = np.empty((forward.n_samples, len(tests)))
    for i, c in enumerate(idx):
        weeks = int(tests.weeks[i])
        measured = weeks + int(tests.carryover_weeks[i])
        history, window = spend_paths(
            len(channels), c, tests.spend[i], tests.delta_spend[i], weeks, measured, lags
        )
        media = forward.media(window, history)[..., c]  # (S, path, period)
        start = int(tests.measured_from[i])
        out[:, i] = (media[:, 1, start:] - media[:, 0, start:]).sum(axis=-1)
    return out


def geo_window_lift(fit, tests: LiftTests) -> np.ndarray:
    """``(S, test)`` expected lift of windowed ``tests`` on a geo fit (outcome units): in each
    tested geo the channel's spend, its share of the test's spend
    (:func:`~bayes_mmm.model.geo.tested_geos`), runs with and without the change through the
    geo forward model; the lift is the difference summed over the window and the geos."""
    from bayes_mmm.analysis.geo import geo_forward
    from bayes_mmm.model.geo import tested_geos

    if not tests.windowed.all():
        raise ValueError("lift tests on a geo fit are windowed (give weeks)")
    data, lags = fit.data, fit.spec.n_lags
    fwd = geo_forward(fit.posterior, data, fit.spec)
    beta = fwd.beta(data.geo_spend)  # (S, geo, channel)
    out = np.empty((beta.shape[0], len(tests)))
    for i in range(len(tests)):
        c, (idx, share) = data.channels.index(tests.channel[i]), tested_geos(data, tests, i)
        weeks, start = int(tests.weeks[i]), lags + int(tests.measured_from[i])
        base = np.zeros((data.n_geos, lags + weeks + int(tests.carryover_weeks[i]),
                         data.n_channels))  # fmt: skip
        base[idx, :, c] = tests.spend[i] * share[:, None]
        test = base.copy()
        test[idx, lags : lags + weeks, c] += tests.delta_spend[i] * share[:, None]
        diff = (fwd.saturated(test)[..., c] - fwd.saturated(base)[..., c])[:, idx, start:]
        out[:, i] = (beta[:, idx, c] * diff.sum(axis=-1)).sum(axis=-1)
    return out


def lift_values(forward: Forward, tests: LiftTests, channels: tuple[str, ...]) -> np.ndarray:
    """``(S, test)`` the model's expected lift of every test: steady-state tests per period
    (:meth:`Forward.lift`), windowed tests summed over their window (:func:`window_lift`)."""
    out = np.empty((forward.n_samples, len(tests)))
    windowed = tests.windowed
    if (~windowed).any():
        steady = tests.subset(~windowed)
        unit = forward.scales.spend[steady.channel_index(channels)]
        x0, x1 = steady.spend / unit, (steady.spend + steady.delta_spend) / unit
        out[:, ~windowed] = forward.lift(x0, x1, steady.channel_index(channels))
    if windowed.any():
        out[:, windowed] = window_lift(forward, tests.subset(windowed), channels)
    return out


def design_lift(fit, tests) -> np.ndarray:
    """``(S, test)`` each windowed test's lift per posterior draw (a geo fit's summed over
    the test's geos)."""
    if fit.data.n_geos > 1:
        return geo_window_lift(fit, tests)
    return lift_values(fit.forward(), tests, fit.data.channels)
