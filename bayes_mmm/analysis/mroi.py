"""Marginal ROI: the extra outcome from one more unit of spend per week at the current spend.

For channel ``c`` and each posterior draw, one more unit of spend in every week the channel
is active raises the adstocked spend of weeks ``t..t+l_max-1`` (the adstock is linear, so the
change is the adstock of the perturbation) and the outcome through the saturation curve's
slope ``h'`` (the component's derivative, :meth:`bayes_mmm.model.forward.Forward.marginal`)::

    mroi_c = beta_c / n_active_c * sum_s h'(a_sc) * adstock(active_c / scale_c)_s

summed over the fit window extended by ``l_max - 1`` weeks without spend, so carryover past
the window's end counts. ``beta`` stays fixed at its fitted value (it is a parameter).

Weeks without spend are left at zero: one unit there would start a new flight, where the Hill
curve's slope may be zero or unbounded (a Hill slope above or below 1): no marginal question.
For an always-on channel "active weeks" are all weeks.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.analysis.scope import check_geo_argument, is_geo, require_national
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D


def carryover_weeks(fit: MMMFit) -> int:
    """Weeks (periods) after the last one that spend still reaches: ``l_max - 1``."""
    return fit.spec.carryover_weeks


def extend(spend: np.ndarray, weeks: int) -> np.ndarray:
    """``spend`` ``([geo,] date, channel)`` followed by ``weeks`` dates of zero spend."""
    zeros = np.zeros((*spend.shape[:-2], weeks, spend.shape[-1]))
    return np.concatenate([spend, zeros], axis=-2)


def mroi_values(fit: MMMFit, spend: np.ndarray | None = None) -> np.ndarray:
    """Marginal ROI ``(sample, channel)`` at ``spend`` ``(date, channel)`` (default: the fit
    window's), in outcome per unit of spend. See the module docstring for the definition."""
    require_national(fit, "marginal ROI at a given spend")
    spend = fit.data.spend if spend is None else np.asarray(spend, dtype=float)
    if ((spend > 0).sum(axis=0) == 0).any():
        raise ValueError("every channel needs at least one week with spend for marginal ROI")
    return per_active_unit(fit.forward(), spend, carryover_weeks(fit))


def per_active_unit(forward, spend: np.ndarray, tail: int, beta: np.ndarray | None = None,
                    unit: np.ndarray | float = 1.0) -> np.ndarray:  # fmt: skip
    """Marginal ROI ``(S, [geo,] channel)`` at ``spend`` ``([geo,] date, channel)`` (user
    units) of a :class:`~bayes_mmm.model.forward.Forward`: one more unit in each period the
    channel spends, ``tail`` zero-spend periods after the window so carryover counts, per
    unit of added spend; NaN where a channel never spends. ``unit``: what one unit of the
    user's spend is in ``forward``'s input (a geo's size divides it)."""
    active = (spend > 0).astype(float)
    n_active = active.sum(axis=-2)
    bump = forward.marginal(extend(spend / unit, tail), extend(active / unit, tail), beta)
    return np.where(n_active > 0, bump / np.where(n_active > 0, n_active, 1.0), np.nan)


def mroi_draws(
    fit: MMMFit, spend: np.ndarray | None = None, geo: str | None = None
) -> xr.DataArray:
    """``(chain, draw, channel)`` marginal ROI at ``spend`` (default: the fit window's); NaN
    for organic channels (no spend). A geo fit (at its own spend) adds a ``geo`` axis,
    national first (``geo=`` selects one; :func:`~bayes_mmm.analysis.geo_curves.geo_mroi_draws`)."""
    check_geo_argument(fit, geo)
    if is_geo(fit) and spend is None:
        from bayes_mmm.analysis.geo_curves import geo_mroi_draws

        return geo_mroi_draws(fit, geo)
    values = np.where(fit.data.paid_mask, mroi_values(fit, spend), np.nan)  # organic: none
    da = unstack(values, fit.posterior, (D.CHANNEL,), {D.CHANNEL: list(fit.data.channels)})
    da.attrs["units"] = f"{fit.data.target_name} per unit of spend"
    return da.rename("mroi")
