"""The model's mean function in numpy, vectorised over posterior draws (twin of model.py).

All draws are flattened to a leading sample axis ``S``. Outputs are in the user's units.
``tests/test_fit_plumbing.py`` checks these equations against the PyMC model's own graph
(``mean_function``: the model's graph evaluated at the posterior draws).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayes_mmm.data.scaling import Design, Scales
from bayes_mmm.model import dims as D
from bayes_mmm.model.spec import ModelSpec
from bayes_mmm.transforms import geometric_adstock, hill


def saturation(
    spend: np.ndarray, scales: Scales, params: Mapping[str, np.ndarray], spec: ModelSpec
) -> np.ndarray:
    """Hill-saturated adstocked spend ``(S, date, channel)`` for spend ``(date, channel)``."""
    relative = spend / scales.spend
    if spec.adstock:
        adstocked = geometric_adstock(relative, params[D.DECAY], spec.l_max)
    else:
        adstocked = np.broadcast_to(relative, (len(params[D.ROI]), *relative.shape))
    return hill(adstocked, params[D.HALF_SAT], params[D.SLOPE])


def beta(params: Mapping[str, np.ndarray], window_saturation: np.ndarray, spend_total: np.ndarray):
    """Weekly contribution at full saturation ``(S, channel)``, from the ROI parametrisation.

    ``window_saturation`` is the saturation over the fit window, ``spend_total`` its spend.
    """
    return params[D.ROI] * spend_total / window_saturation.sum(axis=1)


def media_contributions(saturated: np.ndarray, beta_: np.ndarray) -> np.ndarray:
    """``(S, date, channel)`` contributions in outcome units."""
    return saturated * beta_[:, None, :]


def baseline_components(
    params: Mapping[str, np.ndarray], design: Design, scales: Scales, spec: ModelSpec
) -> dict[str, np.ndarray]:
    """Non-media components in outcome units: ``baseline``, ``trend``, ``seasonality`` as
    ``(S, date)`` and ``control`` as ``(S, date, control)`` (only those in the model).

    The model centres trend and controls; here they are reported relative to the start of
    the window and to a control value of zero, with the constant absorbed in ``baseline``.
    """
    n = len(params[D.INTERCEPT])
    t = design.time
    level = params[D.INTERCEPT].copy()
    out: dict[str, np.ndarray] = {}
    if spec.trend:
        level = level - 0.5 * params[D.TREND]
        out[D.TREND] = params[D.TREND][:, None] * t[None, :]
    if design.fourier.shape[1]:
        out[D.SEASONALITY] = params[D.SEASONALITY] @ design.fourier.T
    if design.controls.shape[1]:
        sd = np.where(scales.control_sd > 0, scales.control_sd, 1.0)
        coef = params[D.CONTROL_COEF] / sd  # per unit of the raw control
        level = level - coef @ scales.control_mean
        raw = design.controls * sd + scales.control_mean
        out[D.CONTROL] = coef[:, None, :] * raw[None, :, :]  # (S, date, control)
    out = {D.BASELINE: np.broadcast_to(level[:, None], (n, len(t))).copy(), **out}
    return {k: v * scales.target for k, v in out.items()}
