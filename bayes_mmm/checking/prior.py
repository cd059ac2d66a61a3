"""Prior predictive check: does the prior generate plausible outcomes for these data?

Prior draws are packaged exactly like a fit (their ``posterior`` group holds the prior draws),
so every analysis function (contributions, ROI, plots) also works on the prior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.summary import eti_bounds
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.inference.fit import MMMFit, from_draws
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import check_rows, resolve_priors
from bayes_mmm.model.design import make_design
from bayes_mmm.model.priors import draw_many
from bayes_mmm.model.spec import ModelSpec


def sample_prior(
    data: MMMData, spec: ModelSpec | None = None, draws: int = 500, seed: int = 0
) -> MMMFit:
    """Draws from the model's priors, as an :class:`MMMFit` whose ``posterior`` is the prior."""
    spec = spec or ModelSpec()
    check_rows(data, spec)
    priors = resolve_priors(data, spec)
    design = make_design(data, spec)
    n_ch, n_ctrl, n_four = data.n_channels, len(data.control_names), design.fourier.shape[1]
    sizes = dict.fromkeys(spec.channel_params, n_ch)
    sizes.update({D.INTERCEPT: 0, D.SEASONALITY: n_four, D.CONTROL_COEF: n_ctrl, D.SIGMA: 0})
    if spec.trend:
        sizes[D.TREND] = 0
    if spec.likelihood == "studentt":
        sizes[D.NU] = 0
    dims = D.PARAM_DIMS
    wanted = {
        name: (priors[name], (draws, size) if name in dims else (draws,))
        for name, size in sizes.items()
        if not (name in dims and size == 0)
    }
    values = draw_many(wanted, seed)
    return from_draws(values, data, spec, priors, sampler="prior")


@dataclass(frozen=True)
class PriorCheck:
    """Prior predictive draws of the outcome and how they compare with the observed data."""

    prior: MMMFit
    outcome: xr.DataArray  # (chain, draw, date) prior predictive outcome
    summary: pd.DataFrame  # one row per check

    def plausible(self, min_share: float = 0.5) -> bool:
        """Whether at least ``min_share`` of prior draws give a mean outcome within x3 of the
        observed mean (the prior knows the scale of the data)."""
        row = self.summary.set_index("check").loc["mean within x3 of observed", "value"]
        return bool(row >= min_share)


def prior_predictive_check(
    data: MMMData, spec: ModelSpec | None = None, draws: int = 500, seed: int = 0
) -> PriorCheck:
    """Simulate outcomes from the prior and summarise their plausibility against ``data``."""
    prior = sample_prior(data, spec, draws, seed)
    mu = predict.components(prior, data).sum(D.COMPONENT)
    y = predict.noise_draws(prior, mu, seed=seed)
    obs = data.target
    mean_ratio = (y.mean(D.DATE) / obs.mean()).values.ravel()
    share = predict.media(prior, data.spend).sum(axis=(1, 2)) / mu.sum(D.DATE).values.ravel()
    rows = [
        ("mean within x3 of observed", np.mean((mean_ratio > 1 / 3) & (mean_ratio < 3))),
        ("prior mean / observed mean, 5%", np.quantile(mean_ratio, 0.05)),
        ("prior mean / observed mean, 50%", np.quantile(mean_ratio, 0.5)),
        ("prior mean / observed mean, 95%", np.quantile(mean_ratio, 0.95)),
        ("share of weeks with negative outcome", float((y < 0).mean())),
        ("observed weeks inside 90% prior band", _inside(y, obs)),
        ("media share of outcome, 5%", np.quantile(share, 0.05)),
        ("media share of outcome, 50%", np.quantile(share, 0.5)),
        ("media share of outcome, 95%", np.quantile(share, 0.95)),
    ]
    summary = pd.DataFrame(rows, columns=["check", "value"])
    return PriorCheck(prior=prior, outcome=y, summary=summary)


def _inside(y: xr.DataArray, obs: np.ndarray, prob: float = 0.9) -> float:
    lo, hi = eti_bounds(y.values.reshape(-1, y.sizes[D.DATE]), prob)
    return float(np.mean((obs >= lo) & (obs <= hi)))
