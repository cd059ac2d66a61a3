"""A plan's response tabulated once per channel: the fast path for many optimisations (valuing
test results, :mod:`bayes_mmm.experiments.value`; the efficient frontier, :mod:`.frontier`).

Valuing a design re-optimises the budget once per simulated result and half of the draws
(hundreds of optimisations per ranking), each needing the response of hundreds of plans.
The response is additive over channels: channel ``c``'s incremental outcome in draw ``s``
depends on that channel's total only. So it is tabulated once, with its derivative, on a
grid of ``nodes`` totals per channel from 0 to the channel's cap (spaced as squares, dense
near 0 where a Hill curve with slope below 1 is steepest; its infinite slope at 0 is replaced
by the first interval's secant), and evaluated by cubic Hermite interpolation: smooth
(continuous derivative, what SLSQP needs), exact at the nodes, and within ~1e-5 relative of
the forward model between them (``tests/test_value_refit.py``).
Same interface as :class:`bayes_mmm.budget.response.Response` where the optimizer uses it.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.budget.response import Response

NODES = 257


class TabulatedResponse:
    """``y`` and ``dy`` ``(C, node, S)`` (draws last: one channel's node is one contiguous
    row): the response and its derivative at ``x`` ``(node, C)`` (``cap x v**2`` for ``v``
    evenly spaced in [0, 1])."""

    def __init__(self, x: np.ndarray, y: np.ndarray, dy: np.ndarray):
        self.x, self.y, self.dy = x, y, dy
        self.cap = x[-1]  # (C,)

    @classmethod
    def build(cls, resp: Response, caps: np.ndarray, nodes: int = NODES,
              dtype=np.float64) -> TabulatedResponse:  # fmt: skip
        """Tabulate ``resp`` from 0 to ``caps`` ``(C,)`` (a little beyond, for rounding);
        ``dtype`` of the table (float32: half the memory, ~1e-7 relative rounding)."""
        caps = np.maximum(np.asarray(caps, dtype=float) * (1 + 1e-6), 1e-9)
        x = np.linspace(0.0, 1.0, nodes)[:, None] ** 2 * caps[None, :]
        y = np.empty((len(caps), nodes, resp.n_draws), dtype=dtype)
        dy = np.empty_like(y)
        for i, row in enumerate(x):
            value, grad = resp.incremental_and_grad(row)
            y[:, i], dy[:, i] = value.T, grad.T
        dy[:, 0] = (y[:, 1] - y[:, 0]) / x[1][:, None]  # the secant: finite for any slope
        return cls(x, y, dy)

    @property
    def n_draws(self) -> int:
        return self.y.shape[2]

    def subset(self, idx: np.ndarray) -> TabulatedResponse:
        return TabulatedResponse(self.x, self.y[..., idx], self.dy[..., idx])

    def weighted_mean(self, w: np.ndarray) -> TabulatedResponse:
        """One 'draw': the ``w``-weighted mean response (interpolation is linear in ``y``)."""
        return TabulatedResponse(self.x, (self.y @ w)[..., None], (self.dy @ w)[..., None])

    def _basis(self, total: np.ndarray):
        total = np.asarray(total, dtype=float)
        if (total < -1e-9).any() or (total > self.cap * (1 + 1e-9)).any():
            raise ValueError("a plan's total lies outside the tabulated range")
        n, c = self.x.shape[0], np.arange(len(total))
        pos = np.sqrt(np.clip(total / self.cap, 0.0, 1.0)) * (n - 1)
        i = np.minimum(pos.astype(int), n - 2)
        width = self.x[i + 1, c] - self.x[i, c]
        return i, (total - self.x[i, c]) / width, width

    def incremental(self, total: np.ndarray) -> np.ndarray:
        """``(S, C)`` incremental outcome of the totals ``(C,)``."""
        return self.incremental_and_grad(total)[0]

    def incremental_and_grad(self, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(S, C)`` incremental outcome and its derivative with respect to each total."""
        i, u, width = self._basis(total)
        c = np.arange(len(i))
        y0, y1 = self.y[c, i], self.y[c, i + 1]  # (C, S)
        m0, m1 = self.dy[c, i] * width[:, None], self.dy[c, i + 1] * width[:, None]
        u = u[:, None]
        u2, u3 = u * u, u * u * u
        value = (
            (2 * u3 - 3 * u2 + 1) * y0
            + (u3 - 2 * u2 + u) * m0
            + (-2 * u3 + 3 * u2) * y1
            + (u3 - u2) * m1
        )
        slope = (6 * u2 - 6 * u) * (y0 - y1) + (3 * u2 - 4 * u + 1) * m0 + (3 * u2 - 2 * u) * m1
        return value.T, (slope / width[:, None]).T
