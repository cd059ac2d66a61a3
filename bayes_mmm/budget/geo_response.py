"""The optimizer's response on a geo fit: each (geo, channel) cell is a "channel" of
:class:`~bayes_mmm.budget.response.Response`, so the fast path, its gradient and every
objective apply unchanged.

A cell's spend is in user units (spend; spend-equivalent exposure for exposure channels, as
nationally); its curve is the geo model's: adstock and saturation on spend per unit of the
geo's size (:mod:`bayes_mmm.model.geo`), ``beta`` per geo and channel. Only paid channels
are cells (organic ones are not planned; the model is additive, so they change no plan's
increment).

National plans (the default on a geo fit) choose channel totals; :class:`SplitResponse`
spends a channel's total in each geo in proportion to the geo's share of that channel's
recent spend, so the national response is the sum over geos of each geo's curve.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.analysis.geo import geo_forward
from bayes_mmm.budget.response import Response, _distinct_weeks
from bayes_mmm.budget.scenario import check_horizon, tail_weeks
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model.forward import BETA

SEP = "/"  # cell labels: GEO/CHANNEL


def cell_labels(geos, channels) -> list[str]:
    """``GEO/CHANNEL`` labels, geo-major (the order of the cells everywhere)."""
    return [f"{g}{SEP}{c}" for g in geos for c in channels]


def paid_index(fit: MMMFit) -> np.ndarray:
    return np.flatnonzero(fit.data.paid_mask)


def geo_current(fit: MMMFit, horizon: int) -> np.ndarray:
    """``(geo, paid channel)`` the current plan: mean weekly spend over the last ``horizon``
    periods of each geo, times ``horizon``."""
    h = check_horizon(horizon)
    if h > fit.data.n_dates:
        raise ValueError(
            f"horizon {h} is longer than the data ({fit.data.n_dates} periods): the current "
            "plan is the mean spend over the last `horizon` periods"
        )
    return fit.data.geo_spend[:, -h:, paid_index(fit)].mean(axis=1) * h


def geo_shares(fit: MMMFit, horizon: int) -> np.ndarray:
    """``(geo, paid channel)`` each geo's share of the channel's spend over the last
    ``horizon`` periods (over the whole window for a channel off in those periods)."""
    recent = geo_current(fit, horizon)
    window = fit.data.geo_spend[:, :, paid_index(fit)].sum(axis=1)
    use = np.where(recent.sum(axis=0) > 0, recent, window)
    return use / np.where(use.sum(axis=0) > 0, use.sum(axis=0), 1.0)


def _cells(a: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """``(S, geo, week, channel)`` -> ``(S, week, geo x paid channel)``."""
    a = a[..., paid].transpose(0, 2, 1, 3)
    return np.ascontiguousarray(a.reshape(a.shape[0], a.shape[1], -1))


def _param_cells(p: np.ndarray, n_geos: int, paid: np.ndarray) -> np.ndarray:
    """A saturation parameter ``(S, channel)`` (shared by geos) or ``(S, geo, channel)``."""
    if p.ndim == 2:
        return np.tile(p[:, paid], (1, n_geos))
    return np.ascontiguousarray(p[:, :, paid].reshape(p.shape[0], -1))


def geo_response(
    fit: MMMFit, horizon: int, shape: np.ndarray | None = None, *, carryover_after: bool = True
) -> Response:
    """The response of every paid (geo, channel) cell of a geo fit to its total spend over
    ``horizon`` periods after the data (``shape`` ``(horizon, channel)``: the weekly pattern
    of each channel, as :func:`~bayes_mmm.budget.response.build_response`; or
    ``(geo, horizon, channel)``: each cell's own pattern, e.g. a weekly plan's)."""
    h, data = check_horizon(horizon), fit.data
    n_g, n_ch = data.n_geos, data.n_channels
    shape = np.ones((h, n_ch)) if shape is None else np.asarray(shape, dtype=float)
    if (
        shape.shape not in ((h, n_ch), (n_g, h, n_ch))
        or not np.isfinite(shape).all()
        or (shape < 0).any()
    ):
        raise ValueError(f"shape must be finite, >= 0 and of shape ([{n_g},] {h}, {n_ch})")
    if (shape.sum(axis=-2) <= 0).any():
        raise ValueError("every channel's shape needs some positive weeks")
    shape = np.broadcast_to(shape / shape.sum(axis=-2, keepdims=True), (n_g, h, n_ch))
    fwd = geo_forward(fit.posterior, data, fit.spec)
    media = fwd.media_forward
    unit = fwd.scales.spend_unit()[:, None, :]  # (geo, 1, channel): the model's unit
    lag, tail = fit.spec.carryover_weeks, tail_weeks(fit) if carryover_after else 0
    hist = data.geo_spend[:, max(data.n_dates - lag, 0) :] / unit
    n_h = hist.shape[1]
    past = np.concatenate([hist, np.zeros((n_g, h + tail, n_ch))], axis=1)
    plan = np.concatenate([np.zeros((n_g, n_h, n_ch)), shape, np.zeros((n_g, tail, n_ch))], 1)
    n_s = media.n_samples
    a0 = np.broadcast_to(media.adstocked(past[None]), (n_s, n_g, n_h + h + tail, n_ch))
    g = np.broadcast_to(media.adstocked((plan / unit)[None]), a0.shape)
    paid = paid_index(fit)
    a0, g = _cells(a0[:, :, n_h:], paid), _cells(g[:, :, n_h:], paid)
    starts, weight = _distinct_weeks(a0, g)
    a0, g = np.ascontiguousarray(a0[:, starts]), np.ascontiguousarray(g[:, starts])
    sat = fit.spec.saturation_component
    params = {p.name: _param_cells(media.draws[p.name], n_g, paid) for p in sat.params}
    beta = fit.draws(BETA)[BETA][:, :, paid].reshape(n_s, -1)
    labels = cell_labels(data.geos, [data.channels[i] for i in paid])
    return Response(labels, h, beta, sat, params, a0, g, weight)


class SplitResponse:
    """A national response on a geo fit: channel totals ``(C,)`` spent in each geo in
    proportion to ``share`` ``(geo, C)``; outcomes and gradients summed over geos."""

    def __init__(self, cells: Response, share: np.ndarray, channels):
        self.cells, self.share = cells, np.asarray(share, dtype=float)
        self.channels, self.horizon = tuple(channels), cells.horizon

    @property
    def n_draws(self) -> int:
        return self.cells.n_draws

    def _split(self, total: np.ndarray) -> np.ndarray:
        return (self.share * np.asarray(total, dtype=float)[None, :]).ravel()

    def _per_geo(self, v: np.ndarray) -> np.ndarray:
        return v.reshape(v.shape[0], *self.share.shape)

    def incremental(self, total: np.ndarray) -> np.ndarray:
        """``(S, C)`` incremental outcome, summed over geos."""
        return self._per_geo(self.cells.incremental(self._split(total))).sum(axis=1)

    def incremental_and_grad(self, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v, d = self.cells.incremental_and_grad(self._split(total))
        grad = (self._per_geo(d) * self.share[None]).sum(axis=1)
        return self._per_geo(v).sum(axis=1), grad

    def subset(self, idx: np.ndarray) -> SplitResponse:
        return SplitResponse(self.cells.subset(idx), self.share, self.channels)
