"""Out-of-time holdout of a geo fit: fit every geo on its first weeks, forecast each geo's
last ``h`` weeks with their known spend and controls (adstock carried across the cut, the
trend and seasonality extended, the media effects of the training window), and score the
forecast per geo and nationally (the sum over geos), as
:func:`~bayes_mmm.analysis.checks.holdout` does for a national fit.

The predictive draws add each geo's noise to its forecast mean, a chunk of geos at a time;
the national predictive draw is the sum of the geos' draws. Only summaries are kept (bands
per geo and date, metrics per geo): a fit with many geos holds no (draw, geo, date) array.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.checks import interval_metrics
from bayes_mmm.analysis.geo import _has_total, _progress, chunk_beta, chunks_of
from bayes_mmm.analysis.summary import ci, eti_bounds
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.data.mmmdata import MMMData
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.likelihood import SharedShock, geo_replicates
from bayes_mmm.model.geo import GeoDesign, GeoScales, make_geo_design

BANDS = ("mean", "mean_lower", "mean_upper", "lower", "upper")  # forecast mean, predictive


@dataclass(frozen=True, eq=False)
class GeoHoldout:
    """A geo fit on the first weeks and its forecast of the held-out last weeks.

    ``bands``: ``(geo, date)`` (national first) with the forecast mean, its interval and the
    predictive interval; ``table``: one row per geo, national first: ``geo, r2, mape,
    coverage, ci_prob, rmse, n``."""

    train_fit: MMMFit
    test: MMMData
    bands: xr.Dataset
    table: pd.DataFrame
    error_correlation: float = float("nan")  # of the geos' forecast errors, mean over pairs

    @property
    def weeks(self) -> int:
        return self.test.n_dates

    @property
    def metrics(self) -> dict:
        """The national row's scores with ``weeks`` and ``train_weeks`` (as a national
        :class:`~bayes_mmm.analysis.checks.Holdout`'s ``metrics``)."""
        row = self.table.iloc[0].drop(D.GEO).to_dict()
        return {**row, "weeks": self.weeks, "train_weeks": self.train_fit.data.n_dates,
                "geo_error_correlation": self.error_correlation}  # fmt: skip


def _forecast(chunk, ahead: GeoDesign, test: MMMData, cut: int) -> np.ndarray:
    """The forecast mean ``(S, g, h)`` of one chunk's geos: the training fit's model run over
    training + held-out weeks (its scales and media effects), kept over the held-out weeks."""
    idx = chunk.idx
    design = replace(
        ahead, controls=ahead.controls[idx], target=ahead.target[idx],
        target_scale=ahead.target_scale[idx], x_lagged=ahead.x_lagged[:, idx],
        spend_total=ahead.spend_total[idx],
    )  # fmt: skip
    base = sum(chunk.fwd.baseline(design).values())
    spend = np.concatenate([chunk.spend, test.geo_spend[idx]], axis=1)  # adstock carries over
    media = chunk.fwd.media(spend, chunk_beta(chunk))[:, :, cut:]
    return base + media.sum(axis=-1)


def geo_holdout_check(train_fit: MMMFit, test: MMMData, ci_prob: float | None = None,
                      seed: int | None = 0) -> GeoHoldout:  # fmt: skip
    """Forecast ``test`` (the weeks after ``train_fit``'s window, every geo) with
    ``train_fit`` (no refit) and score it per geo and nationally: r2, mape, coverage."""
    prob, rng = ci(ci_prob), np.random.default_rng(seed)
    train, spec, geos = train_fit.data, train_fit.spec, list(test.geos)
    ahead = make_geo_design(replace(test, lift_tests=None), spec, GeoScales.from_data(train))
    bands = np.zeros((len(BANDS), test.n_geos, test.n_dates))
    mu_sum, rep_sum, rows = 0.0, 0.0, []
    chunks, shock = chunks_of(train_fit.posterior, train, spec), SharedShock(spec, rng)
    for chunk in _progress(chunks, test.n_geos, "holdout forecast"):
        mu = _forecast(chunk, ahead, test, train.n_dates)
        rep = geo_replicates(spec, chunk, mu, rng, shock)
        mu_sum, rep_sum = mu_sum + mu.sum(axis=1), rep_sum + rep.sum(axis=1)
        bands[:, chunk.idx] = _bands(mu, rep, prob)
        for g in chunk.idx:
            row = interval_metrics(test.geo_target[g], *bands[[0, 3, 4], g], prob)
            rows.append({D.GEO: geos[g], **row})
    if _has_total(test):
        national = _bands(mu_sum[:, None], rep_sum[:, None], prob)
        row = interval_metrics(test.target, *national[[0, 3, 4], 0], prob)
        rows.insert(0, {D.GEO: NATIONAL, **row})
        bands, geos = np.concatenate([national, bands], axis=1), [NATIONAL, *geos]
    coords = {D.GEO: geos, D.DATE: pd.DatetimeIndex(test.dates, name=D.DATE)}
    ds = xr.Dataset({k: ((D.GEO, D.DATE), v) for k, v in zip(BANDS, bands, strict=True)}, coords)
    errors = test.geo_target - bands[0, -test.n_geos :]
    return GeoHoldout(train_fit, test, ds, pd.DataFrame(rows), error_correlation(errors))


def error_correlation(errors: np.ndarray) -> float:
    """Mean correlation over pairs of geos of their forecast errors ``(geo, week)``: near 0
    the geos' noise is independent, as the model's is; above it the geos share shocks and the
    national interval (a sum of independent geo draws) is too narrow. NaN below 3 geos or 3
    weeks."""
    n_geos, n_weeks = errors.shape
    if n_geos < 3 or n_weeks < 3:
        return float("nan")
    ok = errors.std(axis=1) > 0
    corr = np.corrcoef(errors[ok])
    return float(corr[~np.eye(len(corr), dtype=bool)].mean())


def _bands(mu: np.ndarray, rep: np.ndarray, prob: float) -> np.ndarray:
    """``(5, g, h)``: the mean's mean and interval, the predictive interval."""
    return np.stack([mu.mean(axis=0), *eti_bounds(mu, prob), *eti_bounds(rep, prob)])
