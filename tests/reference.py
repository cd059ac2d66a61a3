"""Textbook formulas of the default media transforms, written independently of the package
(loops and closed forms), for tests that check the package's forward model against them."""

from __future__ import annotations

import numpy as np


def geometric_adstock(x: np.ndarray, decay: np.ndarray, l_max: int) -> np.ndarray:
    """``(date, channel)``: ``sum_l w_l x[t - l]`` with ``w_l = decay**l / sum_j decay**j``."""
    x = np.asarray(x, dtype=float)
    decay = np.asarray(decay, dtype=float)
    w = decay[None, :] ** np.arange(l_max)[:, None]
    w = w / w.sum(axis=0)
    out = np.zeros_like(x)
    for t in range(len(x)):
        for lag in range(min(l_max, t + 1)):
            out[t] += w[lag] * x[t - lag]
    return out


def hill(x: np.ndarray, k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``x**s / (x**s + k**s)`` (0 at zero spend)."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x**s / (x**s + np.asarray(k) ** s), 0.0)


def hill_derivative(x: np.ndarray, k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``d hill / d x = s k**s x**(s - 1) / (x**s + k**s)**2``."""
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    return s * k**s * x ** (s - 1) / (x**s + k**s) ** 2
