"""``GeoAnalysis``: every post-fit result of a geo fit, each computed on first use and kept
(``bm.analyse`` of a geo fit). One pass over the geos' contributions gives their summaries,
the ROI's window sums and the fit checks (:func:`~bayes_mmm.analysis.geo.geo_summaries`);
tables carry a ``geo`` column, national rows (the sum over geos) first.

Unlike a national :class:`~bayes_mmm.analysis.overview.Analysis`, ``contributions`` holds
summaries (mean, lower, upper), not every draw of every geo x date cell: with many geos the
draws would not fit in memory (``bm.contributions(fit, geo=...)`` gives one geo's draws)."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.contributions import shares_table
from bayes_mmm.analysis.geo import GeoSummaries, geo_roi_table, geo_share_draws, geo_summaries
from bayes_mmm.analysis.geo_checks import QualityPass
from bayes_mmm.analysis.geo_curves import (
    geo_mroi_table,
    geo_response_curves,
    geo_response_table,
    with_mroi,
)
from bayes_mmm.analysis.learning import prior_posterior
from bayes_mmm.analysis.summary import ci, to_frame
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.model import dims as D


class GeoAnalysis:
    """Lazy post-fit analysis of the geo fit ``fit`` at interval probability ``ci_prob``."""

    def __init__(self, fit, ci_prob: float | None = None, holdout=None):
        self.fit, self.ci_prob, self.holdout = fit, ci(ci_prob), holdout

    def __repr__(self) -> str:
        return f"GeoAnalysis({self.fit.data.n_geos} geos, {self.ci_prob:.0%} intervals)"

    def _repr_html_(self) -> str:  # Jupyter: the national ROI and marginal ROI
        rows = self.roi_table[self.roi_table[D.GEO] == NATIONAL]
        cols = ["channel", "roi_mean", "roi_lower", "roi_upper", "mroi_mean", "mroi_lower",
                "mroi_upper"]  # fmt: skip
        return f"<p>{self!r}: national rows of roi_table</p>" + rows[cols].to_html(index=False)

    @cached_property
    def _quality(self) -> QualityPass:
        return QualityPass(self.fit, self.ci_prob)

    @cached_property
    def summaries(self) -> GeoSummaries:
        """The one pass over the geos (contributions, modeled mean, ROI sums, fit checks)."""
        return geo_summaries(self.fit, self.ci_prob, visit=self._quality.add)

    @property
    def contributions(self) -> xr.Dataset:
        """``mean``, ``lower``, ``upper`` ``(geo, date, component)``, national first."""
        return self.summaries.components

    @property
    def fitted(self) -> xr.Dataset:
        """The modeled mean outcome ``(geo, date)``: ``mean``, ``lower``, ``upper``."""
        return self.summaries.fitted

    @cached_property
    def contributions_table(self) -> pd.DataFrame:
        return to_frame(self.contributions)

    @cached_property
    def shares(self) -> xr.Dataset:
        """Share draws per geo (``share_of_total``, ``share_of_media``, ``total``)."""
        return geo_share_draws(self.fit, self.summaries)

    @cached_property
    def shares_table(self) -> pd.DataFrame:
        return shares_table(self.fit, self.ci_prob, shares=self.shares)

    @cached_property
    def roi_table(self) -> pd.DataFrame:
        """ROI and marginal ROI per geo x channel, national rows first (``roi.csv``)."""
        roi = geo_roi_table(self.fit, self.ci_prob, sums=self.summaries.sums)
        return with_mroi(roi, geo_mroi_table(self.fit, self.ci_prob))

    @cached_property
    def response_curves(self) -> xr.Dataset:
        return geo_response_curves(self.fit, ci_prob=self.ci_prob)

    @cached_property
    def response_table(self) -> pd.DataFrame:
        return geo_response_table(self.fit, self.ci_prob, self.response_curves)

    @cached_property
    def fit_quality(self) -> pd.DataFrame:
        """R², MAPE, RMSE and predictive coverage per geo, national first."""
        self.summaries  # noqa: B018 (the pass that fills the checks)
        return self._quality.table()

    @cached_property
    def ppc(self) -> pd.DataFrame:
        """Posterior predictive p-values per geo and statistic, national first."""
        self.summaries  # noqa: B018
        return self._quality.ppc()

    @cached_property
    def national_replicates(self) -> np.ndarray:
        """``(draw, date)`` numpy array: a thinned set (at most
        :data:`~bayes_mmm.analysis.geo_checks.REPLICATES`) of the national replicated series
        behind :attr:`ppc`, for the PPC figure's national panel."""
        self.summaries  # noqa: B018
        return self._quality.replicates()

    @cached_property
    def prior_posterior(self) -> pd.DataFrame:
        return prior_posterior(self.fit, self.ci_prob)

    def summary(self) -> dict:
        """The national headline: media share and ROI / marginal ROI per channel."""
        from bayes_mmm.analysis.contributions import media_share

        national = self.roi_table[self.roi_table[D.GEO] == NATIONAL]
        share = media_share(self.shares.sel({D.GEO: NATIONAL}), self.fit.data.channels,
                            self.ci_prob)  # fmt: skip
        return {"media_share": share, "roi": national.to_dict("records"),
                "quality": self.fit_quality.iloc[0].to_dict()}  # fmt: skip

    def figure(self, name: str):
        """A geo figure (``bayes_mmm.plots.geo.<name>``) from what is computed here."""
        from bayes_mmm.plots import geo

        given = {
            "plot_geo_contributions": {"summaries": self.summaries, "shares": self.shares},
            "plot_geo_fit": {"fitted": self.fitted},
            "plot_geo_ppc": {"ppc": self.ppc, "replicates": self.national_replicates},
            "plot_geo_roi": {"table": self.roi_table},
            "plot_geo_response_curves": {"curves": self.response_curves},
        }
        return getattr(geo, name)(self.fit, self.ci_prob, **given.get(name, {}))
