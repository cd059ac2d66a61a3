"""The optimizer's fast path: a plan's incremental outcome per draw, with its exact gradient.

Same forward model as :mod:`bayes_mmm.model.forward` (adstock carried over from the data, the
saturation component, ``beta`` from the fit window; ``tests/test_budget_response.py`` checks
they agree), rearranged for speed. Adstock is linear, so when channel ``c`` spends ``x_c``
times a weekly shape (flat by default), its adstocked spend is ``a0 + x_c * g``: ``a0`` the
carryover of past spend, ``g`` the adstocked shape. The plan's incremental outcome (versus
zero spend over the horizon, carryover after it included) is then, for draw ``s``,

    beta_sc * sum_t [h(a0_stc + x_c g_stc) - h(a0_stc)],

and its derivative uses the component's ``d h / d x``, both from the component's own numpy
kernel (``Saturation.evaluate``) writing into preallocated buffers, in one pass (4x faster
than allocating). Weeks whose ``a0`` and ``g`` are equal in every draw (the steady middle of a
flat plan) are evaluated once, weighted.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.budget.scenario import check_horizon, tail_weeks
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model.components.base import Saturation
from bayes_mmm.model.forward import BETA


class Response:
    """Incremental outcome of spending ``total_c`` over the horizon in each channel.

    Arrays are ``(S, week, channel)`` over distinct weeks; ``weight`` counts the weeks each
    one stands for; ``g`` is the adstocked spend per unit of the channel's total; ``params``
    are the saturation's parameters ``(S, channel)``.
    """

    def __init__(self, channels, horizon, beta, saturation: Saturation, params, a0, g, weight):
        self.channels: tuple[str, ...] = tuple(channels)
        self.horizon = int(horizon)
        self.beta = beta  # (S, C)
        self.saturation = saturation
        self.params = params  # name -> (S, C)
        self.a0 = a0  # (S, W, C) carryover of past spend (relative units)
        self.g = g  # (S, W, C) adstocked spend per unit of total spend (relative units)
        self.weight = weight  # (W,)
        self._prep = saturation.prepare({k: v[:, None, :] for k, v in params.items()})
        self._buf = [np.empty_like(a0) for _ in range(3)]
        self.h0 = np.einsum("swc,w->sc", saturation.evaluate(a0, self._prep), weight)

    @property
    def n_draws(self) -> int:
        return self.beta.shape[0]

    def _h(self, total: np.ndarray, derivative: bool):
        """h(a) and d h / d a at ``a = a0 + total * g``, in preallocated buffers."""
        a, dh, h = self._buf
        np.multiply(self.g, np.asarray(total, dtype=float)[None, None, :], out=a)
        np.add(a, self.a0, out=a)
        grad = dh if derivative else None
        self.saturation.evaluate(a, self._prep, out=h, grad_out=grad, overwrite_x=True)
        return h, grad

    def incremental(self, total: np.ndarray) -> np.ndarray:
        """``(S, C)`` incremental outcome of the totals ``(C,)``."""
        h, _ = self._h(total, derivative=False)
        return self.beta * (np.einsum("swc,w->sc", h, self.weight) - self.h0)

    def incremental_and_grad(self, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(S, C)`` incremental outcome and its derivative with respect to each total."""
        h, dh = self._h(total, derivative=True)
        value = self.beta * (np.einsum("swc,w->sc", h, self.weight) - self.h0)
        grad = self.beta * np.einsum("swc,swc,w->sc", dh, self.g, self.weight)
        return value, grad

    def subset(self, idx: np.ndarray) -> Response:
        """The same response over a subset of draws."""
        return Response(
            self.channels,
            self.horizon,
            self.beta[idx],
            self.saturation,
            {k: v[idx] for k, v in self.params.items()},
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
    forward = fit.forward()
    mean_spend = fit.scales.spend
    tail = tail_weeks(fit) if carryover_after else 0
    n_s = forward.n_samples
    lag = fit.spec.carryover_weeks
    hist = data.spend[max(data.n_dates - lag, 0) :] / mean_spend if lag else np.zeros((0, n_ch))
    pad = np.zeros((h + tail, n_ch))
    unit = np.vstack([np.zeros_like(hist), shape / col, np.zeros((tail, n_ch))])
    a0 = forward.adstocked_scaled(np.vstack([hist, pad]))[:, len(hist) :]
    g = forward.adstocked_scaled(unit / mean_spend)[:, len(hist) :]
    a0, g = np.broadcast_to(a0, (n_s, *a0.shape[1:])), np.broadcast_to(g, (n_s, *g.shape[1:]))
    starts, weight = _distinct_weeks(a0, g)
    a0, g = np.ascontiguousarray(a0[:, starts]), np.ascontiguousarray(g[:, starts])
    names = [p.name for p in fit.spec.saturation_component.params]
    params = {k: forward.draws[k] for k in names}
    saturation = fit.spec.saturation_component
    return Response(data.channels, h, forward.draws[BETA], saturation, params, a0, g, weight)
