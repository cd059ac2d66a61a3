"""What the data taught: each parameter's prior against its posterior, and plain-words flags
for channels whose saturation or carryover the data could not inform.

Both are compared in the model's units (those of the priors, see :mod:`bayes_mmm.model.spec`).
Prior draws come from the resolved priors in numpy (the model's flat ``level`` has no prior
to draw from; the intercept's prior is the one given). Per parameter and coordinate:

- ``contraction = 1 - posterior_var / prior_var``: 0 when the data taught nothing, near 1
  when they pinned the parameter down;
- ``shift = (posterior_mean - prior_mean) / prior_sd``: how far the data moved it;
- ``prior_quantile``: the share of prior draws below the posterior median. Scale-free, so it
  reads the same for LogNormal, Beta and Normal priors: below 0.025 or above 0.975 the data put
  the parameter where the prior hardly expected it (a possible prior-data conflict; a shift
  in natural-scale prior sds understates this for skewed priors);
- ``width_ratio``: the posterior's ``ci_prob`` interval width over the prior's (robust to the
  heavy tails of LogNormal priors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.summary import eti_bounds
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import draw_many
from bayes_mmm.model.spec import ModelSpec

BASELINE_PARAMS = (D.INTERCEPT, D.TREND, D.SEASONALITY, D.CONTROL_COEF, D.SIGMA, D.NU)
WEAK_CONTRACTION = 0.3  # below this the data removed less than 30% of the prior variance
CONFLICT_QUANTILE = 0.025  # posterior median beyond the prior's central 95%


def prior_draws(fit: MMMFit, draws: int = 4000, seed: int | None = 0) -> xr.Dataset:
    """Prior draws ``(chain=1, draw, ...)`` of every sampled parameter, in model units, with
    the posterior's dims and coordinates (hand it to ArviZ as the ``prior`` group)."""
    post = fit.posterior
    compared = (*fit.spec.channel_params, *BASELINE_PARAMS)
    names = [n for n in compared if n in post and n in fit.priors]
    shapes = {n: (draws, *[post.sizes[d] for d in post[n].dims[2:]]) for n in names}
    drawn = draw_many({n: (fit.priors[n], shapes[n]) for n in names}, seed=seed)
    values = [drawn[n] for n in names]
    out = {}
    for name, v in zip(names, values, strict=True):
        dims = post[name].dims
        coords = {d: post[d].values for d in dims[2:]}
        out[name] = xr.DataArray(
            np.asarray(v, dtype=float)[None], dims=dims, coords={D.DRAW: np.arange(draws), **coords}
        ).assign_coords({D.CHAIN: [0]})
    return xr.Dataset(out)


def _flat(da: xr.DataArray) -> tuple[np.ndarray, list[str]]:
    """``(sample, item)`` values and an item label per column ("" for scalars)."""
    other = [d for d in da.dims if d not in D.SAMPLE_DIMS]
    da = da.transpose(*D.SAMPLE_DIMS, *other)
    values = da.values.reshape(da.sizes[D.CHAIN] * da.sizes[D.DRAW], -1)
    if not other:
        return values, [""]
    labels = da.isel({D.CHAIN: 0, D.DRAW: 0}, drop=True).stack(item=other)["item"].values
    return values, [str(x[0]) if isinstance(x, tuple) else str(x) for x in labels]


def prior_posterior(
    fit: MMMFit, ci_prob: float | None = None, prior: xr.Dataset | None = None, seed: int | None = 0
) -> pd.DataFrame:
    """One row per parameter and coordinate: ``parameter, item, prior_mean, prior_sd,
    prior_lower, prior_upper, posterior_mean, posterior_sd, posterior_lower, posterior_upper,
    contraction, shift, prior_quantile, width_ratio`` (see the module docstring)."""
    prior = prior_draws(fit, seed=seed) if prior is None else prior
    rows = []
    for name in prior.data_vars:
        pr, items = _flat(prior[name])
        po, _ = _flat(fit.posterior[name])
        q_pr = np.stack(eti_bounds(pr, ci_prob))
        q_po = np.stack(eti_bounds(po, ci_prob))
        sd_pr, sd_po = pr.std(axis=0), po.std(axis=0)
        quantile = (pr < np.median(po, axis=0)).mean(axis=0)
        for j, item in enumerate(items):
            rows.append(
                {
                    "parameter": name,
                    "item": item,
                    "prior_mean": pr[:, j].mean(),
                    "prior_sd": sd_pr[j],
                    "prior_lower": q_pr[0, j],
                    "prior_upper": q_pr[1, j],
                    "posterior_mean": po[:, j].mean(),
                    "posterior_sd": sd_po[j],
                    "posterior_lower": q_po[0, j],
                    "posterior_upper": q_po[1, j],
                    "contraction": 1.0 - sd_po[j] ** 2 / sd_pr[j] ** 2,
                    "shift": (po[:, j].mean() - pr[:, j].mean()) / sd_pr[j],
                    "prior_quantile": quantile[j],
                    "width_ratio": (q_po[1, j] - q_po[0, j]) / (q_pr[1, j] - q_pr[0, j]),
                }
            )
    return pd.DataFrame(rows)


def learning_flags(
    table: pd.DataFrame, channels: list[str] | tuple[str, ...], spec: ModelSpec | None = None
) -> list[str]:
    """Plain-words warnings from a :func:`prior_posterior` table: channels whose saturation
    (the saturation component's parameters) or carryover (the adstock's) the data could not
    inform, and parameters whose posterior sits far from the prior (a possible prior-data
    conflict). ``spec`` names the components (default: the default model's)."""
    spec = spec or ModelSpec()
    t = table.set_index(["parameter", "item"])

    def contraction(param: str, ch: str) -> float:
        return float(t.loc[(param, ch), "contraction"]) if (param, ch) in t.index else np.nan

    saturation = [p.name for p in spec.saturation_component.params]
    carryover = [p.name for p in spec.adstock_component.params]
    flags = []
    for ch in channels:
        sat = {name: contraction(name, ch) for name in saturation}
        if max(sat.values()) < WEAK_CONTRACTION:
            parts = [f"{_pct(v)} of {k.replace('_', '-')}" for k, v in sat.items()]
            parts[0] = parts[0].replace(" of ", " of the prior variance of ", 1)
            flags.append(
                f"{ch}: the data could not inform its saturation (the data removed only "
                f"{' and '.join(parts)}); its response curve away from current spend, and its "
                "marginal ROI, mostly reflect the prior"
            )
        ads = {name: contraction(name, ch) for name in carryover}
        if ads and max(ads.values()) < WEAK_CONTRACTION:
            removed = ", ".join(f"{k}: {_pct(v)}" for k, v in ads.items())
            flags.append(
                f"{ch}: the data could not inform its carryover ({removed} of the prior "
                "variance removed); how long its effect lasts mostly reflects the prior"
            )
    q = t["prior_quantile"]
    far = t[(q < CONFLICT_QUANTILE) | (q > 1 - CONFLICT_QUANTILE)]
    for (param, item), row in far.iterrows():
        label = f"{param}[{item}]" if item else param
        side = "below" if row["prior_quantile"] < 0.5 else "above"
        share = min(row["prior_quantile"], 1 - row["prior_quantile"])
        mass = "more than 99.9%" if share < 0.001 else f"{1 - share:.1%}"
        flags.append(
            f"{label}: the posterior median lies {side} {mass} of the prior's mass "
            "(the data put it where the prior hardly expected it); the prior may conflict "
            "with the data, check it"
        )
    return flags


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{max(x, 0.0):.0%}"
