"""Fits built from given parameter draws, without sampling: known answers for budget tests,
the truth of a simulation as a one-draw "posterior", and fast benchmarks."""

from __future__ import annotations

import numpy as np

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.scaling import Scales, allweek_share
from bayes_mmm.data.simulate import Simulation
from bayes_mmm.inference.fit import MMMFit, from_draws
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import resolve_priors
from bayes_mmm.model.design import make_design
from bayes_mmm.model.forward import BETA, Forward
from bayes_mmm.model.spec import ModelSpec


def _draws(value, n_draws: int, tail: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == len(tail):
        arr = np.broadcast_to(arr, (n_draws, *tail))
    if arr.shape != (n_draws, *tail):
        raise ValueError(f"{name}: expected shape {tail} or {(n_draws, *tail)}, got {arr.shape}")
    return arr


def synthetic_fit(
    data: MMMData,
    *,
    roi=None,
    beta=None,
    intercept=0.5,
    trend=0.0,
    sigma=0.05,
    spec: ModelSpec | None = None,
    chains: int = 1,
    **media,
) -> MMMFit:
    """An :class:`MMMFit` whose posterior holds the given draws.

    ``media``: every parameter of the spec's adstock and saturation by name (e.g. ``decay``,
    ``half_saturation``, ``slope`` for the default model), each ``(channel,)`` (one draw) or
    ``(draw, channel)``; give ``roi`` or ``beta`` (weekly contribution at saturation, outcome
    units). Units as in the model (``half_saturation`` in units of the channel's on-week mean
    spend, ``Scales.spend``; ``intercept``, ``trend``, ``sigma`` in units of the mean
    outcome); seasonality and control effects are zero. Draws are split evenly over ``chains``.
    """
    spec = spec or ModelSpec()
    n_ch = data.n_channels
    names = [p.name for p in spec.media_params]
    if sorted(media) != sorted(names):
        raise ValueError(f"give the media parameters {names} of the spec, got {sorted(media)}")
    given = [np.asarray(v) for v in (*media.values(), roi, beta) if v is not None]
    n = max((v.shape[0] for v in given if v.ndim == 2), default=1)
    if n % chains:
        raise ValueError(f"{n} draws cannot be split evenly over {chains} chains")
    if (roi is None) == (beta is None):
        raise ValueError("give exactly one of roi and beta")
    p = {k: _draws(media[k], n, (n_ch,), k) for k in names}
    if roi is None:
        b = _draws(beta, n, (n_ch,), "beta")
        forward = Forward(spec, Scales.from_data(data), {**p, D.ROI: np.ones_like(b), BETA: b})
        p[D.ROI] = b * forward.saturated(data.spend).sum(axis=1) / data.spend.sum(axis=0)
    else:
        p[D.ROI] = _draws(roi, n, (n_ch,), D.ROI)
    design = make_design(data, spec)
    n_f, n_k = len(design.fourier_names), len(data.control_names)
    p[D.INTERCEPT] = _draws(intercept, n, (), D.INTERCEPT)
    p[D.SIGMA] = _draws(sigma, n, (), D.SIGMA)
    if spec.trend:
        p[D.TREND] = _draws(trend, n, (), D.TREND)
    if n_f:
        p[D.SEASONALITY] = np.zeros((n, n_f))
    if n_k:
        p[D.CONTROL_COEF] = np.zeros((n, n_k))
    if spec.likelihood == "studentt":
        p[D.NU] = np.full(n, 10.0)
    priors = resolve_priors(data, spec)
    return from_draws(p, data, spec, priors, sampler="synthetic", chains=chains)


def truth_fit(sim: Simulation, spec: ModelSpec | None = None) -> MMMFit:
    """The simulation's true media parameters as a one-draw fit (for true outcomes of plans).

    Only the media part is true (baseline, seasonality and controls are not reproduced):
    use it for incremental outcomes, not for total outcomes. The truth's parameters measured
    in spend (all-week mean spend) are converted to the model's unit (on-week mean spend).
    """
    t = sim.truth
    spec = spec or ModelSpec(l_max=t.l_max, adstock=t.adstock, saturation=t.saturation)
    if spec.l_max != t.l_max:
        raise ValueError(f"spec.l_max {spec.l_max} differs from the simulation's {t.l_max}")
    data = sim.to_data()
    share = allweek_share(data.spend)
    media = {
        p.name: np.asarray(t.media_params[p.name]) * share**p.spend_power for p in spec.media_params
    }
    return synthetic_fit(data, roi=t.roi, spec=spec, **media)
