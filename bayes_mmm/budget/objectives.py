"""What the optimizer maximises over the posterior draws of a plan's incremental outcome.

- ``mean``: expected incremental outcome.
- ``quantile:P``: the P-quantile (e.g. 0.1: the outcome the plan beats with 90% probability),
  estimated with Harrell-Davis weights (those of a sample of at most 1000 draws: the expected
  P-quantile of 1000 posterior draws), smooth in the plan, so the optimizer needs a third of
  the steps it takes on the raw order statistics; the estimate differs from the empirical
  quantile by far less than its Monte Carlo error.
- ``cvar:P``: the mean of the worst P fraction of draws (conditional value at risk).
- ``revenue[:V]``: expected incremental revenue, V (revenue per unit of outcome; default the
  fit's revenue per KPI) x expected incremental outcome. Ranks plans like ``mean``.
- ``profit:V``: expected profit, V (value of one unit of outcome) x expected incremental
  outcome - spend. At a fixed budget it ranks plans like ``mean``; with a free budget it
  sizes the budget.

Every objective is an L-statistic ``sum_i w_i y_(i)`` of the sorted draws (plus ``- spend``
for profit), so its gradient is the same weighted sum of the draws' gradients.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import betainc

KINDS = ("mean", "quantile", "cvar", "profit", "revenue")
QUANTILE_SMOOTHING = 1000  # quantile weights as Harrell-Davis for a sample of this size


@dataclass(frozen=True)
class Objective:
    kind: str = "mean"
    param: float | None = None  # quantile / cvar probability, or profit value per unit

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown objective {self.kind!r}; choose from {list(KINDS)}")
        if self.kind in ("quantile", "cvar"):
            if self.param is None or not 0 < self.param < 1:
                raise ValueError(f"{self.kind} needs a probability in (0, 1), e.g. {self.kind}:0.1")
        elif self.kind in ("profit", "revenue"):  # None: the fit's revenue per KPI
            if self.param is not None and not (np.isfinite(self.param) and self.param > 0):
                raise ValueError(
                    f"{self.kind} needs the value of one unit of outcome > 0, e.g. {self.kind}:2"
                )
        elif self.param is not None:
            raise ValueError("the mean objective takes no parameter")

    @classmethod
    def parse(cls, text: str | Objective) -> Objective:
        """``'mean'``, ``'quantile:0.1'``, ``'cvar:0.1'`` or ``'profit:2.5'``."""
        if isinstance(text, Objective):
            return text
        kind, sep, value = str(text).strip().partition(":")
        param = None
        if sep:
            try:
                param = float(value)
            except ValueError:
                raise ValueError(f"objective {text!r}: {value!r} is not a number") from None
        return cls(kind.strip().lower(), param)

    def __str__(self) -> str:
        return self.kind if self.param is None else f"{self.kind}:{self.param:g}"

    @property
    def label(self) -> str:
        p = self.param
        if self.kind == "quantile":
            return f"{p:.0%} quantile of incremental outcome"
        if self.kind == "cvar":
            return f"mean of the worst {p:.0%} of incremental outcomes (CVaR)"
        value = "the fit's revenue per KPI" if p is None else f"{p:g}"
        if self.kind == "profit":
            return f"expected profit at {value} per unit of outcome"
        if self.kind == "revenue":
            return f"expected incremental revenue at {value} per unit of outcome"
        return "expected incremental outcome"

    @property
    def value(self) -> float:
        """Value of one unit of outcome (1 unless profit or revenue)."""
        if self.kind in ("profit", "revenue") and self.param is not None:
            return float(self.param)
        return 1.0

    def weights(self, n: int) -> np.ndarray | None:
        """Weights on the sorted draws (``None``: plain mean)."""
        return _weights(self.kind, self.param, n)

    def score(self, y: np.ndarray, spend: float) -> np.ndarray:
        """Per-draw quantity the objective summarises: outcome, or profit for ``profit``."""
        return self.value * y - spend if self.kind == "profit" else y

    def evaluate(self, y: np.ndarray, spend: float = 0.0) -> float:
        """The objective for per-draw incremental outcomes ``y`` ``(S,)`` and total spend."""
        w = self.weights(len(y))
        stat = y.mean() if w is None else w @ np.sort(y)
        return float(self.value * stat - (spend if self.kind == "profit" else 0.0))

    def evaluate_and_grad(self, y: np.ndarray, dy: np.ndarray) -> tuple[float, np.ndarray]:
        """The L-statistic of ``y`` ``(S,)`` and its gradient from ``dy`` ``(S, C)``
        (without the ``- spend`` of profit, which the caller adds)."""
        w = self.weights(len(y))
        if w is None:
            return float(y.mean()) * self.value, dy.mean(axis=0) * self.value
        order = np.argsort(y)
        return float(w @ y[order]) * self.value, (w @ dy[order]) * self.value


@lru_cache(maxsize=32)
def _weights(kind: str, param: float | None, n: int) -> np.ndarray | None:
    if kind in ("mean", "profit", "revenue"):
        return None
    edges = np.arange(n + 1) / n
    if kind == "quantile":  # Harrell-Davis: Beta((m+1)p, (m+1)(1-p)) mass per order statistic
        m = min(n, QUANTILE_SMOOTHING)
        w = np.diff(betainc((m + 1) * param, (m + 1) * (1 - param), edges))
    else:  # cvar: uniform over the lowest fraction, the boundary draw in part
        w = np.clip(param - edges[:-1], 0, 1 / n) / param
    w = w / w.sum()
    w.flags.writeable = False
    return w
