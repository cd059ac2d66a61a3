"""What a model component is: its parameters (names, default priors, units) and, for media
transforms, the numpy kernels every analysis uses and the pytensor forward pass of the model.

Numpy kernels work on arrays laid out by ``dims.FORWARD_LAYOUT`` (sample, geo, date, channel);
:func:`expand` puts a parameter's axes where the layout wants them, by name. Saturations are
elementwise (parameters broadcast against the spend); adstocks are a convolution along the
``date`` axis with weights that carry the lags on that axis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior


@dataclass(frozen=True)
class Param:
    """One parameter of a component, per channel unless ``dim`` says otherwise.

    ``spend_power``: how its value changes with the unit of spend (+1: measured in spend, like
    a half-saturation; -1: per unit of spend, like the logistic ``lam``; 0: unitless).
    ``sim_range``: the range the simulator draws it from when not given.
    """

    name: str
    prior: Prior
    support: tuple[float | None, float | None]
    unit: str
    spend_power: int = 0
    sim_range: tuple[float, float] | None = None
    dim: str | None = D.CHANNEL


def expand(values: np.ndarray, dims: tuple[str, ...], layout=D.FORWARD_LAYOUT) -> np.ndarray:
    """``values`` with axes ``dims`` (in layout order) given length-1 axes for the rest of
    ``layout``, so it broadcasts against layout-shaped arrays."""
    values = np.asarray(values, dtype=float)
    if values.ndim != len(dims) or [d for d in layout if d in dims] != list(dims):
        raise ValueError(f"values of shape {values.shape} do not have dims {dims} of {layout}")
    missing = tuple(i for i, d in enumerate(layout) if d not in dims)
    return np.expand_dims(values, missing)


def lags_along(n_lags: int, axis: int, ndim: int) -> np.ndarray:
    """``0 .. n_lags - 1`` on axis ``axis`` of an ``ndim``-dimensional array."""
    shape = [1] * ndim
    shape[axis] = n_lags
    return np.arange(n_lags, dtype=float).reshape(shape)


def _along(axis: int, ndim: int, sl: slice) -> tuple:
    index = [slice(None)] * ndim
    index[axis] = sl
    return tuple(index)


def convolve(x: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """``out[t] = sum_l weights[l] x[t - l]`` along ``axis`` (zeros before the first date);
    ``weights`` holds the lags on ``axis`` and broadcasts against ``x`` elsewhere."""
    x = np.asarray(x, dtype=float)
    if _shared_input(x, weights, axis):
        return _convolve_matmul(x, weights)
    ndim, n_lags = max(x.ndim, weights.ndim), weights.shape[axis]
    first = weights[_along(axis, weights.ndim, slice(0, 1))]
    out = np.empty(np.broadcast_shapes(first.shape, x.shape))
    n_rows = out.shape[0] if axis != 0 and ndim == x.ndim == weights.ndim else 1
    for start in range(0, n_rows, CONVOLVE_BLOCK):  # blocks of draws stay in cache
        rows = slice(start, start + CONVOLVE_BLOCK) if n_rows > 1 else slice(None)
        w = weights[rows] if weights.ndim == ndim and weights.shape[0] > 1 else weights
        xb = x[rows] if x.ndim == ndim and x.shape[0] > 1 else x
        _convolve_into(out[rows], xb, w, axis, n_lags)
    return out


MATMUL_MAX = 50_000_000  # output elements: above, the loop (no transposed copy)


def _shared_input(x: np.ndarray, weights: np.ndarray, axis: int) -> bool:
    """The forward layout ``(draw, geo, date, channel)`` with one input for every draw (the
    data's spend) and weights per draw: what :func:`_convolve_matmul` does."""
    if not (x.ndim == weights.ndim == 4 and axis == 2 and x.shape[0] == 1):
        return False
    out_size = weights.shape[0] * max(x.shape[1], weights.shape[1]) * x.shape[2] * x.shape[3]
    return weights.shape[0] > 1 and out_size <= MATMUL_MAX


def _convolve_matmul(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`convolve` of one input ``(1, geo, date, channel)`` with weights per draw
    ``(S, geo | 1, lag, channel | 1)`` as a matrix product per (draw, channel, geo): weights
    ``(1, lag)`` times the lagged input ``(lag, date)``; ~20x the loop's speed on the demo's
    4000 draws (the same sums, in BLAS's order: equal to ~1e-15)."""
    _, n_geo, n_dates, n_ch = np.broadcast_shapes(x.shape, weights.shape[:2] + x.shape[2:])
    n_lags = weights.shape[2]
    lagged = np.zeros((n_ch, n_geo, n_lags, n_dates))  # lagged[c, g, l, t] = x[g, t - l, c]
    xs = np.broadcast_to(x[0], (n_geo, n_dates, n_ch)).transpose(2, 0, 1)
    for lag in range(min(n_lags, n_dates)):
        lagged[:, :, lag, lag:] = xs[:, :, : n_dates - lag]
    w = np.broadcast_to(weights, (weights.shape[0], n_geo, n_lags, n_ch))
    w = w.transpose(0, 3, 1, 2)[:, :, :, None, :]  # (S, channel, geo, 1, lag)
    out = np.matmul(w, lagged)[:, :, :, 0, :]  # (S, channel, geo, date)
    return np.ascontiguousarray(out.transpose(0, 2, 3, 1))


CONVOLVE_BLOCK = 64  # draws per block: (64, date, channel) stays in a core's cache (1.5x)


def _convolve_into(out: np.ndarray, x: np.ndarray, weights: np.ndarray, axis: int, n_lags: int):
    """:func:`convolve` into ``out`` (a loop over lags beats einsum ~5x; the same sums in the
    same order, so the result does not depend on the blocking)."""
    ndim, n = out.ndim, x.shape[axis]
    np.multiply(weights[_along(axis, weights.ndim, slice(0, 1))], x, out=out)
    for lag in range(1, min(n_lags, n)):
        w = weights[_along(axis, weights.ndim, slice(lag, lag + 1))]
        out[_along(axis, ndim, slice(lag, None))] += w * x[_along(axis, x.ndim, slice(0, n - lag))]


class Adstock:
    """Carryover as a finite convolution with weights over ``n_lags`` lags.

    A subclass sets ``name``, ``params`` and implements :meth:`weights` (numpy) and
    :meth:`weights_pt` (pytensor). Weights are normalised (they sum to 1), so constant spend
    ``x`` settles at adstocked spend ``x`` (:meth:`steady_state`) and adstock is linear: its
    derivative is the adstock of the perturbation.
    """

    name: str = ""
    params: tuple[Param, ...] = ()
    carryover: bool = True  # False: no lags (the adstock is the identity)
    # NUTS target acceptance this form needs by default (None: the sampler's default)
    target_accept: float | None = None

    def n_lags(self, l_max: int) -> int:
        return l_max if self.carryover else 1

    def weights(self, p: Mapping[str, np.ndarray], n_lags: int, axis: int) -> np.ndarray:
        """Numpy weights with the lags on ``axis``; ``p`` broadcast to the layout."""
        raise NotImplementedError

    def weights_pt(self, p: Mapping, n_lags: int):
        """Pytensor weights ``(lag, channel)`` from parameters ``(channel,)``."""
        raise NotImplementedError

    def forward(self, x: np.ndarray, p: Mapping[str, np.ndarray], n_lags: int, axis: int):
        """Adstocked ``x`` (numpy), dates on ``axis``."""
        return convolve(x, self.weights(p, n_lags, axis), axis)

    def forward_pt(self, x_lagged, p: Mapping, n_lags: int):
        """Adstocked spend ``(date, channel)`` from the lag stack ``(lag, date, channel)``
        (data, built once by ``design.lag_stack``): one weighted sum over lags. The number of
        lags is read from the data (it equals ``n_lags``): a constant count lets pytensor's
        rewrites put a shape check on the lag stack whose numba error formatting costs ~1.6 s
        of a first compile (speed.md, seventh pass)."""
        w = self.weights_pt(p, x_lagged.shape[0])
        return (x_lagged * w[:, None, :]).sum(axis=0)

    def steady_state(self, x: np.ndarray, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Adstocked spend once ``x`` has been spent every period for ``n_lags`` periods."""
        return x


class Saturation:
    """Diminishing returns ``h(x)`` of adstocked spend ``x`` (units of on-week mean spend),
    elementwise, with ``h(0) = 0``.

    A subclass sets ``name``, ``params`` and implements :meth:`evaluate` (numpy, value and
    optionally the derivative, into given buffers), :meth:`forward_pt` (pytensor) and
    :meth:`add_params` (the sampler's parametrisation; default: each parameter's prior).
    """

    name: str = ""
    params: tuple[Param, ...] = ()

    def prepare(self, p: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """What :meth:`evaluate` needs, computed once per set of draws."""
        return dict(p)

    def evaluate(self, x, prep, *, out=None, grad_out=None) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray, p: Mapping[str, np.ndarray]) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return self.evaluate(x, self.prepare(p))

    def derivative(self, x: np.ndarray, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """``d h / d x`` (numpy)."""
        x = np.asarray(x, dtype=float)
        shape = np.broadcast_shapes(x.shape, *(np.shape(v) for v in p.values()))
        grad = np.empty(shape)
        self.evaluate(x, self.prepare(p), grad_out=grad)
        return grad

    def add_params(self, ctx) -> dict:
        """Add the parameters to the model in context; returns what :meth:`forward_pt` takes."""
        return {p.name: ctx.add_prior(p.name) for p in self.params}

    def forward_pt(self, x, p: Mapping):
        """``h(x)`` for ``x`` ``(..., channel)`` and parameters ``(channel,)`` (pytensor)."""
        raise NotImplementedError
