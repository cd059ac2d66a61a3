"""The optimizer's fast path: a plan's incremental outcome per draw, with its exact gradient.

Same equations as :func:`bayes_mmm.predict.media` (adstock carried over from the data, Hill
saturation, ``beta`` from the fit window; ``tests/test_budget_response.py`` checks they
agree), rearranged for speed. Adstock is linear, so when channel ``c`` spends ``x_c`` times a
weekly shape (flat by default), its adstocked spend is ``a0 + x_c * g``: ``a0`` the carryover
of past spend, ``g`` the adstocked shape. The plan's incremental outcome (versus zero spend
over the horizon, carryover after it included) is then, for draw ``s``,

    beta_sc * sum_t [hill(a0_stc + x_c g_stc) - hill(a0_stc)],

and its derivative is that of :func:`bayes_mmm.transforms.hill_derivative` (both computed in
place, in one pass: 4x faster than calling the transforms). Weeks whose ``a0`` and
``g`` are equal in every draw (the steady middle of a flat plan) are evaluated once, weighted.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from bayes_mmm.budget.scenario import check_horizon, tail_weeks
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D
from bayes_mmm.transforms import LOG_FLOOR, geometric_adstock, hill


class Response:
    """Incremental outcome of spending ``total_c`` over the horizon in each channel.

    Arrays are ``(S, week, channel)`` over distinct weeks; ``weight`` counts the weeks each
    one stands for; ``g`` is the adstocked spend per unit of the channel's total.
    """

    def __init__(self, channels, horizon, beta, half_saturation, slope, a0, g, weight):
        self.channels: tuple[str, ...] = tuple(channels)
        self.horizon = int(horizon)
        self.beta = beta  # (S, C)
        self.half_saturation = half_saturation  # (S, C)
        self.slope = slope  # (S, C)
        self.a0 = a0  # (S, W, C) carryover of past spend (relative units)
        self.g = g  # (S, W, C) adstocked spend per unit of total spend (relative units)
        self.weight = weight  # (W,)
        self._log_k = np.log(half_saturation)[:, None, :]
        self._s = slope[:, None, :]
        self._buf = [np.empty_like(a0) for _ in range(3)]
        self.h0 = np.einsum("swc,w->sc", hill(a0, half_saturation, slope), weight)

    @property
    def n_draws(self) -> int:
        return self.beta.shape[0]

    def _hill(self, total: np.ndarray, derivative: bool):
        """hill(a) and d hill / d a at ``a = a0 + total * g``, in preallocated buffers
        (the formulas of :func:`~bayes_mmm.transforms.hill` and ``hill_derivative``)."""
        a, z, h = self._buf
        np.multiply(self.g, np.asarray(total, dtype=float)[None, None, :], out=a)
        np.add(a, self.a0, out=a)
        zero = a <= LOG_FLOOR
        np.maximum(a, LOG_FLOOR, out=a)
        np.log(a, out=z)
        np.subtract(z, self._log_k, out=z)
        np.multiply(z, self._s, out=z)
        expit(z, out=h)
        if derivative:
            np.subtract(1.0, h, out=z)  # d = s h (1 - h) / a (just above the floor at zero)
            np.multiply(z, h, out=z)
            np.multiply(z, self._s, out=z)
            np.divide(z, a, out=z)
        h[zero] = 0.0
        return h, (z if derivative else None)

    def incremental(self, total: np.ndarray) -> np.ndarray:
        """``(S, C)`` incremental outcome of the totals ``(C,)``."""
        h, _ = self._hill(total, derivative=False)
        return self.beta * (np.einsum("swc,w->sc", h, self.weight) - self.h0)

    def incremental_and_grad(self, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(S, C)`` incremental outcome and its derivative with respect to each total."""
        h, dh = self._hill(total, derivative=True)
        value = self.beta * (np.einsum("swc,w->sc", h, self.weight) - self.h0)
        grad = self.beta * np.einsum("swc,swc,w->sc", dh, self.g, self.weight)
        return value, grad

    def subset(self, idx: np.ndarray) -> Response:
        """The same response over a subset of draws."""
        return Response(
            self.channels,
            self.horizon,
            self.beta[idx],
            self.half_saturation[idx],
            self.slope[idx],
            self.a0[idx],
            self.g[idx],
            self.weight,
        )


def _distinct_weeks(a0: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First index and length of each run of weeks equal to the one before in every draw."""
    same = np.zeros(a0.shape[1], dtype=bool)
    same[1:] = (a0[:, 1:] == a0[:, :-1]).all(axis=(0, 2)) & (g[:, 1:] == g[:, :-1]).all(axis=(0, 2))
    starts = np.flatnonzero(~same)
    return starts, np.diff(np.append(starts, a0.shape[1])).astype(float)


def build_response(
    fit: MMMFit,
    horizon: int,
    shape: np.ndarray | None = None,
    *,
    carryover_after: bool = True,
) -> Response:
    """The response of ``fit`` for a plan over ``horizon`` periods after the data.

    ``shape`` ``(horizon, channel)``: the weekly pattern of each channel's spend (default
    flat); a channel's weekly spend is its total times ``shape / shape.sum(axis=0)``.
    ``carryover_after``: count the ``l_max - 1`` weeks after the horizon (default).
    """
    h = check_horizon(horizon)
    data = fit.data
    n_ch = data.n_channels
    shape = np.ones((h, n_ch)) if shape is None else np.asarray(shape, dtype=float)
    if shape.shape != (h, n_ch) or not np.isfinite(shape).all() or (shape < 0).any():
        raise ValueError(f"shape must be finite, >= 0 and of shape ({h}, {n_ch})")
    col = shape.sum(axis=0)
    if (col <= 0).any():
        raise ValueError("every channel's shape needs some positive weeks")
    p = fit.draws(*D.CHANNEL_PARAMS, "beta")
    mean_spend = fit.scales.spend
    tail = tail_weeks(fit) if carryover_after else 0
    n_s = len(p["beta"])
    if fit.spec.adstock:
        lag = fit.spec.l_max - 1
        hist = data.spend[max(data.n_dates - lag, 0) :] / mean_spend
        pad = np.zeros((h + tail, n_ch))
        a0 = geometric_adstock(np.vstack([hist, pad]), p[D.DECAY], fit.spec.l_max)
        unit = np.vstack([np.zeros_like(hist), shape / col, np.zeros((tail, n_ch))])
        g = geometric_adstock(unit / mean_spend, p[D.DECAY], fit.spec.l_max)
        a0, g = a0[:, len(hist) :], g[:, len(hist) :]
    else:
        a0 = np.zeros((n_s, h, n_ch))
        g = np.broadcast_to(shape / col / mean_spend, (n_s, h, n_ch))
    starts, weight = _distinct_weeks(a0, g)
    a0, g = np.ascontiguousarray(a0[:, starts]), np.ascontiguousarray(g[:, starts])
    return Response(data.channels, h, p["beta"], p[D.HALF_SAT], p[D.SLOPE], a0, g, weight)
