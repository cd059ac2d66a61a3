"""``Analysis``: every post-fit result of one fit, each computed on first use and kept, so that
tables, ``fit.json`` and plots share one set of draws instead of recomputing them."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis import checks, curves, learning
from bayes_mmm.analysis.contributions import (
    contributions,
    contributions_table,
    media_share,
    prediction,
    share_draws,
    shares_table,
)
from bayes_mmm.analysis.mroi import mroi_draws
from bayes_mmm.analysis.roi import roi_table, spend_totals
from bayes_mmm.analysis.scope import is_geo, require_national
from bayes_mmm.analysis.summary import ci
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D


class Analysis:
    """Lazy post-fit analysis of ``fit`` at interval probability ``ci_prob``.

    ``seed`` fixes the posterior predictive noise and the prior draws; ``holdout`` is an
    optional :class:`~bayes_mmm.analysis.checks.Holdout` reported with the fit quality.
    """

    def __init__(
        self,
        fit: MMMFit,
        ci_prob: float | None = None,
        seed: int | None = 0,
        holdout: checks.Holdout | None = None,
    ):
        require_national(fit, "Analysis (bm.analyse gives a GeoAnalysis for a geo fit)")
        ci_prob = ci(ci_prob)
        self.fit, self.ci_prob, self.seed, self.holdout = fit, ci_prob, seed, holdout

    def __repr__(self) -> str:
        done = [k for k in self.__dict__ if k not in ("fit", "ci_prob", "seed", "holdout")]
        return f"Analysis({self.fit!r}, ci_prob={self.ci_prob}, computed={done})"

    def _repr_html_(self) -> str:  # Jupyter: ROI and marginal ROI with intervals, health card
        from bayes_mmm.htmlreport.views import analysis_html

        return analysis_html(self)

    # ---- draws -------------------------------------------------------------------------
    @cached_property
    def contributions(self) -> xr.DataArray:
        return contributions(self.fit)

    @cached_property
    def prediction(self) -> xr.DataArray:
        return prediction(self.fit, self.contributions)

    @cached_property
    def predictive(self) -> xr.DataArray:
        return checks.predictive(self.fit, self.prediction, self.seed)

    @cached_property
    def shares(self) -> xr.Dataset:
        return share_draws(self.fit, self.contributions)

    @cached_property
    def roi(self) -> xr.DataArray:
        media = self.shares["total"].sel({D.COMPONENT: list(self.fit.data.channels)})
        spend = xr.DataArray(spend_totals(self.fit.data), dims=D.COMPONENT)
        return (media / spend).rename({D.COMPONENT: D.CHANNEL}).rename("roi")

    @cached_property
    def mroi(self) -> xr.DataArray:
        return mroi_draws(self.fit)

    @cached_property
    def response_curves(self) -> xr.DataArray:
        return curves.response_curves(self.fit)

    @cached_property
    def current_response(self) -> xr.DataArray:
        return curves.current_response(self.fit)

    @cached_property
    def adstock(self) -> xr.DataArray:
        return curves.adstock_curves(self.fit)

    @cached_property
    def prior(self) -> xr.Dataset:
        return learning.prior_draws(self.fit, seed=self.seed)

    # ---- tables ------------------------------------------------------------------------
    @cached_property
    def contributions_table(self) -> pd.DataFrame:
        return contributions_table(self.fit, self.ci_prob, self.contributions)

    @cached_property
    def shares_table(self) -> pd.DataFrame:
        return shares_table(self.fit, self.ci_prob, self.contributions, self.shares)

    @cached_property
    def roi_table(self) -> pd.DataFrame:
        return roi_table(self.fit, self.ci_prob, mroi=self.mroi, contrib=self.contributions)

    @cached_property
    def response_table(self) -> pd.DataFrame:
        return curves.response_table(self.fit, self.ci_prob, self.response_curves)

    @cached_property
    def prior_posterior(self) -> pd.DataFrame:
        return learning.prior_posterior(self.fit, self.ci_prob, prior=self.prior)

    @cached_property
    def learning_flags(self) -> list[str]:
        return learning.learning_flags(self.prior_posterior, self.fit.data.channels, self.fit.spec)

    @cached_property
    def fit_quality(self) -> dict:
        return checks.fit_quality(self.fit, self.ci_prob, mu=self.prediction, y_rep=self.predictive)

    @cached_property
    def ppc(self) -> pd.DataFrame:
        return checks.ppc(self.fit, self.ci_prob, mu=self.prediction, y_rep=self.predictive)

    def summary(self) -> dict:
        """The headline figures as plain JSON-ready values (``fit.json``)."""
        out = dict(self.fit_quality)
        out["media_share"] = media_share(self.shares, self.fit.data.channels, self.ci_prob)
        out["ppc_p_values"] = dict(zip(self.ppc["statistic"], self.ppc["p_value"], strict=True))
        if self.holdout is not None:
            out["holdout"] = dict(self.holdout.metrics)
        out["learning_flags"] = list(self.learning_flags)
        return _plain(out)


def _plain(obj):
    """Numbers as Python floats/ints (NaN as None) for JSON."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    value = float(obj)
    return value if np.isfinite(value) else None


def analyse(
    fit: MMMFit,
    ci_prob: float | None = None,
    seed: int | None = 0,
    holdout: checks.Holdout | None = None,
):
    """The post-fit analysis of ``fit`` (lazy: each result is computed when first used); of
    a geo fit, a :class:`~bayes_mmm.analysis.geo_overview.GeoAnalysis`."""
    if is_geo(fit):
        from bayes_mmm.analysis.geo_overview import GeoAnalysis

        return GeoAnalysis(fit, ci_prob, holdout)
    return Analysis(fit, ci_prob, seed, holdout)
