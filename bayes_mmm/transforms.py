"""Media transforms, each written twice: numpy (analysis, any batch shape) and pytensor (model).

Shapes: time series are ``(date, channel)``; parameters are ``(..., channel)`` where ``...`` is any
batch of posterior draws. The twins are tested equal in ``tests/test_transforms.py``.

- Geometric adstock with a finite window ``l_max`` and normalised weights
  ``w_l = decay**l / sum_j decay**j`` (l = 0..l_max-1): adstocked spend keeps the spend's scale.
- Hill saturation ``x**s / (x**s + k**s)``, computed as ``sigmoid(s * (log x - log k))``,
  which is exact and stable; spend at or below ``LOG_FLOOR`` saturates to exactly 0 (a small
  slope would otherwise turn the floor into a visible response at zero spend).
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from scipy.special import expit

LOG_FLOOR = 1e-12  # spend below this (in the transform's units) is treated as zero


# ---- numpy -------------------------------------------------------------------------------
def adstock_weights(decay: np.ndarray, l_max: int, normalize: bool = True) -> np.ndarray:
    """Weights ``(..., lag, channel)`` for decay ``(..., channel)``."""
    decay = np.asarray(decay, dtype=float)
    lags = np.arange(l_max, dtype=float).reshape((l_max, 1))
    w = np.power(decay[..., None, :], lags)
    if normalize:
        w = w / w.sum(axis=-2, keepdims=True)
    return w


def lag_stack(x: np.ndarray, l_max: int) -> np.ndarray:
    """``(lag, date, channel)``: ``out[l, t] = x[t - l]`` with zeros before the first date."""
    x = np.asarray(x, dtype=float)
    out = np.zeros((l_max, *x.shape))
    for lag in range(min(l_max, x.shape[0])):
        out[lag, lag:] = x[: x.shape[0] - lag]
    return out


def geometric_adstock(x: np.ndarray, decay: np.ndarray, l_max: int) -> np.ndarray:
    """Adstocked spend ``(..., date, channel)`` for spend ``(date, channel)``."""
    w = adstock_weights(decay, l_max)
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    out = w[..., 0:1, :] * x  # a loop over lags beats einsum ~5x for (draws, date, channel)
    for lag in range(1, min(l_max, n)):
        out[..., lag:, :] += w[..., lag : lag + 1, :] * x[: n - lag]
    return out


def hill(x: np.ndarray, half_saturation: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Hill saturation in [0, 1); parameters broadcast as ``(..., 1, channel)`` against x."""
    k = np.asarray(half_saturation, dtype=float)[..., None, :]
    s = np.asarray(slope, dtype=float)[..., None, :]
    h = expit(s * (np.log(np.maximum(x, LOG_FLOOR)) - np.log(k)))
    return np.where(np.asarray(x) > LOG_FLOOR, h, 0.0)


def hill_derivative(x: np.ndarray, half_saturation: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """d hill / d x, same broadcasting as :func:`hill`."""
    k = np.asarray(half_saturation, dtype=float)[..., None, :]
    s = np.asarray(slope, dtype=float)[..., None, :]
    x = np.maximum(x, LOG_FLOOR)  # at zero: the slope just above the floor (finite for a start)
    h = expit(s * (np.log(x) - np.log(k)))
    return s * h * (1.0 - h) / x


# ---- pytensor ----------------------------------------------------------------------------
def adstock_weights_pt(decay, l_max: int, normalize: bool = True):
    """Weights ``(lag, channel)`` for decay ``(channel,)``."""
    lags = pt.arange(l_max, dtype="float64")[:, None]
    w = decay[None, :] ** lags
    if normalize:
        w = w / w.sum(axis=0, keepdims=True)
    return w


def geometric_adstock_pt(x_lagged, decay, l_max: int):
    """Adstocked spend ``(date, channel)`` from the lag stack ``(lag, date, channel)``.

    The lag stack is data (built once with :func:`lag_stack`), so adstock is one weighted sum.
    """
    w = adstock_weights_pt(decay, l_max)
    return (x_lagged * w[:, None, :]).sum(axis=0)


def hill_pt(x, half_saturation, slope):
    """Hill saturation of ``(date, channel)`` with parameters ``(channel,)`` (through
    :func:`hill_logit_pt`, the form the model uses: one formula for both)."""
    return hill_logit_pt(x, -slope * pt.log(half_saturation), slope)


def hill_logit_pt(x, logit_at_one, slope):
    """Hill saturation given by its logit at ``x = 1``, ``-slope * log(half_saturation)``
    (the model's parametrisation, see :mod:`bayes_mmm.model.build`); exactly 0 at zero spend."""
    log_x = pt.log(pt.maximum(x, LOG_FLOOR))
    h = pt.sigmoid(slope[None, :] * log_x + logit_at_one[None, :])
    return pt.switch(pt.gt(x, LOG_FLOOR), h, 0.0)
