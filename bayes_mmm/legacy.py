"""Model files written before spend was measured in on-week mean spend, read in today's unit.

Such files (no ``dims.ATTR_SPEND_UNIT`` attribute) scaled each channel's spend by its mean over
all periods, so their ``half_saturation``, ``saturation_logit`` and half-saturation prior are
in that unit. Only flighted channels differ: with ``r = all-period mean / on-week mean``
(``data.scaling.allweek_share``) the same Hill curve in the user's units has
``k_new = r * k_old`` and ``u_new = -slope * log(k_new) = u_old - slope * log(r)``; the prior
of ``k`` is rescaled likewise (for the families below; others are refused with a clear error).
ROI, ``beta`` and every analysis in the user's units are unchanged by the conversion.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from bayes_mmm.data.scaling import SPEND_UNIT, allweek_share, onweek_mean
from bayes_mmm.inference.idata import data_from_idata
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior

ALLWEEK_UNIT = "allweek_mean"  # the unit of files written without ATTR_SPEND_UNIT

# how each parameter of a prior of k > 0 changes when k is multiplied by r: "shape" stays,
# "scale" is multiplied by r, "rate" divided by r (LogNormal's mu is shifted by log r)
_RESCALE: dict[str, dict[str, str]] = {
    "LogNormal": {"mu": "log", "sigma": "shape", "tau": "shape"},
    "Gamma": {"alpha": "shape", "beta": "rate", "mu": "scale", "sigma": "scale"},
    "InverseGamma": {"alpha": "shape", "beta": "scale", "mu": "scale", "sigma": "scale"},
    "Weibull": {"alpha": "shape", "beta": "scale"},
    "HalfNormal": {"sigma": "scale"},
    "HalfCauchy": {"beta": "scale"},
    "Exponential": {"lam": "rate", "scale": "scale"},
}


def rescale_prior(prior: Prior, r: np.ndarray) -> Prior:
    """The prior of ``r * k`` (``r`` per channel) when ``k`` has ``prior``.

    Raises ValueError for families or parameters not in the table above."""
    rules = _RESCALE.get(prior.dist, {})
    unknown = sorted(set(prior.params) - set(rules))
    if not rules or unknown:
        raise ValueError(f"cannot rescale {prior!r}: not a scale family this version knows")
    r = np.asarray(r, dtype=float)
    params = dict(prior.params)
    if prior.dist == "LogNormal":
        params["mu"] = (np.asarray(params.get("mu", 0.0), dtype=float) + np.log(r)).tolist()
    for name, value in prior.params.items():
        if rules[name] in ("scale", "rate"):
            factor = r if rules[name] == "scale" else 1.0 / r
            params[name] = (np.asarray(value, dtype=float) * factor).tolist()
    return Prior(prior.dist, **params)


def upgrade(tree: xr.DataTree) -> xr.DataTree:
    """``tree`` in today's spend unit: unchanged when it is already, converted when it was
    written in all-period mean spend (see the module docstring), refused when the unit is
    unknown (a file from a newer bayes_mmm)."""
    unit = tree.attrs.get(D.ATTR_SPEND_UNIT, ALLWEEK_UNIT)
    if unit == SPEND_UNIT:
        return tree
    if unit != ALLWEEK_UNIT:
        raise ValueError(
            f"this model file measures spend in {unit!r}, which this version of bayes_mmm does "
            f"not know (it knows {SPEND_UNIT!r} and {ALLWEEK_UNIT!r}); update bayes_mmm"
        )
    spend = data_from_idata(tree).spend
    r = allweek_share(spend)
    r = np.where(np.isclose(r, 1.0, rtol=1e-9, atol=0.0), 1.0, r)  # always-on: exactly 1
    tree = tree.copy()
    const = tree["constant_data"].to_dataset()
    tree["constant_data"] = xr.DataTree(
        const.assign({D.SPEND_SCALE: (D.CHANNEL, onweek_mean(spend))})
    )
    if (r != 1.0).any():
        priors = json.loads(tree.attrs[D.ATTR_PRIORS])
        old = Prior.from_dict(priors[D.HALF_SAT])
        try:
            priors[D.HALF_SAT] = rescale_prior(old, r).to_dict()
        except ValueError as err:
            raise ValueError(
                "this model file was written by a bayes_mmm that measured half-saturation in "
                f"units of all-period mean spend, and its half-saturation prior {old!r} cannot "
                "be converted to the on-week mean spend used now: fit the model again"
            ) from err
        post = tree["posterior"].to_dataset()
        ratio = xr.DataArray(r, dims=D.CHANNEL, coords={D.CHANNEL: post[D.CHANNEL].values})
        changes = {D.HALF_SAT: post[D.HALF_SAT] * ratio}
        if D.SAT_LOGIT in post:
            changes[D.SAT_LOGIT] = post[D.SAT_LOGIT] - post[D.SLOPE] * np.log(ratio)
        tree["posterior"] = xr.DataTree(post.assign(changes))
        tree.attrs[D.ATTR_PRIORS] = json.dumps(priors)
    tree.attrs[D.ATTR_SPEND_UNIT] = SPEND_UNIT
    return tree
