"""Fit checks of a geo fit: in-sample R², MAPE, RMSE, the coverage of the predictive interval
and the posterior predictive p-values per geo and nationally (the sum over geos), as
:func:`~bayes_mmm.analysis.fit_quality` and :func:`~bayes_mmm.analysis.ppc` give them for a
national fit. The predictive draws add the likelihood's noise per geo (its ``sigma`` in the
geo's outcome units) to the modeled mean, a chunk of geos at a time; the national predictive
draw is the sum of the geos' draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.analysis.checks import PPC_COLUMNS, interval_metrics, ppc_rows, ppc_stats
from bayes_mmm.analysis.geo import _chunks, _has_total, _parts
from bayes_mmm.analysis.summary import ci, eti_bounds
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.likelihood import SharedShock, geo_replicates

REPLICATES = 100  # national replicated series kept for the PPC figure (evenly spaced draws)


class QualityPass:
    """Fit checks accumulated over a pass of geo chunks: :meth:`add` each chunk's
    contributions (``geo_summaries(..., visit=q.add)`` shares its pass), then :meth:`table`."""

    def __init__(self, fit, ci_prob: float | None = None, seed: int | None = 0):
        self.fit, self.prob = fit, ci(ci_prob)
        self.rng = np.random.default_rng(seed)
        self.shock = SharedShock(fit.spec, self.rng)  # geo_noise="shared": one per week
        self.rows: list[dict] = []
        self.ppc_rows: list[dict] = []
        self.mu, self.rep = 0.0, 0.0  # national sums of the geos' draws

    def add(self, chunk, values: np.ndarray) -> None:
        """One chunk's contributions ``(S, g, date, component)`` in user units."""
        data, spec = self.fit.data, self.fit.spec
        mu = values.sum(axis=-1)
        rep = geo_replicates(spec, chunk, mu, self.rng, self.shock)
        self.mu, self.rep = self.mu + mu.sum(axis=1), self.rep + rep.sum(axis=1)
        y_hat, (lo, hi) = mu.mean(axis=0), eti_bounds(rep, self.prob)  # (g, date) each
        stats = ppc_stats(data.geo_target[chunk.idx], mu, rep, self.prob)  # the chunk at once
        for j, g in enumerate(chunk.idx):
            row = interval_metrics(data.geo_target[g], y_hat[j], lo[j], hi[j], self.prob)
            self.rows.append({D.GEO: data.geos[g], **row})
            self.ppc_rows += [
                {D.GEO: data.geos[g], "statistic": name,
                 **{c: float(v[j]) for c, v in zip(PPC_COLUMNS, values, strict=True)}}
                for name, values in stats.items()
            ]  # fmt: skip

    def ppc(self) -> pd.DataFrame:
        """:func:`~bayes_mmm.analysis.ppc` per geo, national first: ``geo, statistic,
        observed, replicated_mean, replicated_lower, replicated_upper, p_value``."""
        data, rows = self.fit.data, list(self.ppc_rows)
        if _has_total(data):
            national = ppc_rows(data.geo_target.sum(axis=0), self.mu, self.rep, self.prob)
            rows = [{D.GEO: NATIONAL, **r} for r in national] + rows
        return pd.DataFrame(rows)

    def replicates(self, n: int = REPLICATES) -> np.ndarray:
        """``(n, date)``: ``n`` of the national replicated series (sums of the geos' predictive
        draws), evenly spaced over the draws as the national figure thins them; for the PPC
        figure's national panel without a second pass over the geos."""
        rep = np.atleast_2d(self.rep)
        keep = np.linspace(0, len(rep) - 1, min(n, len(rep))).astype(int)
        return rep[keep].copy()

    def table(self) -> pd.DataFrame:
        """One row per geo, national first: ``geo, r2, mape, coverage, ci_prob, rmse, n``."""
        data, rows = self.fit.data, list(self.rows)
        if _has_total(data):
            lo, hi = eti_bounds(self.rep, self.prob)
            y, y_hat = data.geo_target.sum(axis=0), self.mu.mean(axis=0)
            total = interval_metrics(y, y_hat, lo, hi, self.prob)
            rows.insert(0, {D.GEO: NATIONAL, **total})
        return pd.DataFrame(rows)


def _quality_pass(fit, ci_prob: float | None, seed: int | None) -> QualityPass:
    quality = QualityPass(fit, ci_prob, seed)
    for chunk in _chunks(fit, what="fit checks"):
        quality.add(chunk, _parts(chunk, fit.data)[1])
    return quality


def geo_fit_quality(fit, ci_prob: float | None = None, seed: int | None = 0) -> pd.DataFrame:
    """One row per geo, national first: ``geo, r2, mape, coverage, ci_prob, rmse, n``."""
    return _quality_pass(fit, ci_prob, seed).table()


def geo_ppc(fit, ci_prob: float | None = None, seed: int | None = 0) -> pd.DataFrame:
    """The posterior predictive check per geo, national first (:meth:`QualityPass.ppc`)."""
    return _quality_pass(fit, ci_prob, seed).ppc()
