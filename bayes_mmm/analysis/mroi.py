"""Marginal ROI: the extra outcome from one more unit of spend per week at the current spend.

For channel ``c`` and each posterior draw, one more unit of spend in every week the channel
is active raises the adstocked spend of weeks ``t..t+l_max-1`` (the adstock is linear, so the
change is the adstock of the perturbation) and the outcome through the Hill curve's slope::

    mroi_c = beta_c / (n_active_c * scale_c) * sum_s hill'(a_sc) * adstock(active_c)_s

summed over the fit window extended by ``l_max - 1`` weeks without spend, so carryover past
the window's end counts. ``beta`` stays fixed at its fitted value (it is a parameter).

Weeks without spend are left at zero: one unit there would start a new flight, where the Hill
curve's slope is zero (slope > 1) or unbounded (slope < 1), which is no marginal question.
For an always-on channel "active weeks" are all weeks.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D
from bayes_mmm.transforms import geometric_adstock, hill_derivative


def carryover_weeks(fit: MMMFit) -> int:
    """Weeks (periods) after the last one that spend still reaches: ``l_max - 1``."""
    return fit.spec.l_max - 1 if fit.spec.adstock else 0


def extend(spend: np.ndarray, weeks: int) -> np.ndarray:
    """``spend`` followed by ``weeks`` rows of zero spend."""
    return np.concatenate([spend, np.zeros((weeks, spend.shape[1]))], axis=0)


def mroi_values(fit: MMMFit, spend: np.ndarray | None = None) -> np.ndarray:
    """Marginal ROI ``(sample, channel)`` at ``spend`` ``(date, channel)`` (default: the fit
    window's), in outcome per unit of spend. See the module docstring for the definition."""
    spend = fit.data.spend if spend is None else np.asarray(spend, dtype=float)
    params = fit.draws(D.DECAY, D.HALF_SAT, D.SLOPE, "beta")
    scale = fit.scales.spend
    tail = carryover_weeks(fit)
    active = (spend > 0).astype(float)
    n_active = active.sum(axis=0)
    if (n_active == 0).any():
        raise ValueError("every channel needs at least one week with spend for marginal ROI")
    x, bump = extend(spend / scale, tail), extend(active, tail)
    n = len(params["beta"])
    if fit.spec.adstock:
        adstocked = geometric_adstock(x, params[D.DECAY], fit.spec.l_max)
        d_adstocked = geometric_adstock(bump, params[D.DECAY], fit.spec.l_max)
    else:
        adstocked = np.broadcast_to(x, (n, *x.shape))
        d_adstocked = bump[None]
    slope = hill_derivative(adstocked, params[D.HALF_SAT], params[D.SLOPE])
    per_unit = (slope * d_adstocked).sum(axis=1)  # outcome / beta per unit of relative spend
    return params["beta"] * per_unit / (scale * n_active)


def mroi_draws(fit: MMMFit, spend: np.ndarray | None = None) -> xr.DataArray:
    """``(chain, draw, channel)`` marginal ROI at ``spend`` (default: the fit window's)."""
    values = mroi_values(fit, spend)
    da = unstack(values, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    da.attrs["units"] = f"{fit.data.target_name} per unit of spend"
    return da.rename("mroi")
