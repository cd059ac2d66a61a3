"""The optimizer's objectives over importance-weighted posterior draws (the posterior after a
simulated test result), and weighted quantiles.

:class:`WeightedObjective` has the interface the :class:`~bayes_mmm.budget.optimize.Allocator`
uses (``kind``, ``param``, ``value``, ``label``, ``evaluate``, ``evaluate_and_grad``), so the
optimizer re-optimises a budget under reweighted draws unchanged. Each objective stays an
L-statistic of the sorted draws: the mean weights each draw by ``w``; CVaR spreads the lowest
``p`` of the weight mass; the quantile uses Harrell-Davis weights over the cumulative weight
(``m`` = the effective sample size, at most 1000, as for unweighted draws).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc

from bayes_mmm.budget.objectives import QUANTILE_SMOOTHING, Objective


def result_weights(lift: np.ndarray, y: np.ndarray, sigma: np.ndarray):
    """Importance weights of draws whose expected lifts are ``lift`` ``(S, k)``, given
    measured results ``y`` ``(..., k)`` with noise ``sigma`` ``(k,)``: normalised
    ``(..., S)``, and their unnormalised logs."""
    logw = -0.5 * (((y[..., None, :] - lift) / sigma) ** 2).sum(axis=-1)
    w = np.exp(logw - logw.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True), logw


def under_weights(alloc, w: np.ndarray):
    """A copy of the :class:`~bayes_mmm.budget.optimize.Allocator` ``alloc`` whose
    objective is its own over the draws weighted by ``w`` ``(S,)`` (normalised here)."""
    out = copy.copy(alloc)
    out.objective = WeightedObjective(alloc.objective, w / w.sum())
    return out


def ess(w: np.ndarray) -> float:
    """Kish effective sample size of normalised weights."""
    return float(1.0 / np.sum(w**2))


def order_weights(kind: str, param: float | None, w_sorted: np.ndarray) -> np.ndarray:
    """L-statistic weights on the sorted draws whose importance weights are ``w_sorted``."""
    if kind in ("mean", "profit"):
        return w_sorted
    before = np.cumsum(w_sorted) - w_sorted  # weight mass below each draw
    if kind == "cvar":
        return np.clip(param - before, 0.0, w_sorted) / param
    m = min(ess(w_sorted), QUANTILE_SMOOTHING)
    edges = np.append(before, 1.0)
    lw = np.diff(betainc((m + 1) * param, (m + 1) * (1 - param), np.clip(edges, 0, 1)))
    return lw / lw.sum()


@dataclass(frozen=True)
class WeightedObjective:
    """``base`` evaluated over draws with normalised importance weights ``w``."""

    base: Objective
    w: np.ndarray

    @property
    def kind(self) -> str:
        return self.base.kind

    @property
    def param(self) -> float | None:
        return self.base.param

    @property
    def value(self) -> float:
        return self.base.value

    @property
    def label(self) -> str:
        return self.base.label

    def _lweights(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(y)
        return order, order_weights(self.kind, self.param, self.w[order])

    def evaluate(self, y: np.ndarray, spend: float = 0.0) -> float:
        order, lw = self._lweights(y)
        stat = float(lw @ y[order])
        return self.value * stat - (spend if self.kind == "profit" else 0.0)

    def evaluate_and_grad(self, y: np.ndarray, dy: np.ndarray) -> tuple[float, np.ndarray]:
        order, lw = self._lweights(y)
        return float(lw @ y[order]) * self.value, (lw @ dy[order]) * self.value

    def score(self, y: np.ndarray, spend: float) -> np.ndarray:
        return self.base.score(y, spend)


def weighted_interval(x: np.ndarray, w: np.ndarray, prob: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed interval of ``x`` ``(S, k)`` under weights ``w`` ``(S,)``, per column:
    quantiles interpolated between the draws' weighted mid-points (equal weights: numpy's
    ``hazen`` quantiles), so the interval moves continuously with the weights."""
    q = [(1 - prob) / 2, (1 + prob) / 2]
    order = np.argsort(x, axis=0)
    bounds = np.empty((2, x.shape[1]))
    for j in range(x.shape[1]):
        ws = w[order[:, j]]
        mid = (np.cumsum(ws) - ws / 2) / ws.sum()
        bounds[:, j] = np.interp(q, mid, x[order[:, j], j])
    return bounds[0], bounds[1]
