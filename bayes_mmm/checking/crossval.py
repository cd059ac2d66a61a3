"""Time-slice cross-validation: rolling-origin refits, forecast error and parameter stability."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.roi import roi_draws
from bayes_mmm.analysis.summary import eti_bounds, interval
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.inference.diagnostics import SamplingWarning
from bayes_mmm.inference.fit import fit
from bayes_mmm.logs import log
from bayes_mmm.model import dims as D
from bayes_mmm.model.spec import ModelSpec


def crps(draws: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Continuous ranked probability score per date from predictive ``draws`` (sample, date).

    Energy form ``E|X - y| - E|X - X'| / 2``, computed exactly from the sorted draws.
    """
    x = np.sort(draws, axis=0)
    n = x.shape[0]
    term1 = np.abs(x - observed[None, :]).mean(axis=0)
    weights = (2 * np.arange(1, n + 1) - n - 1)[:, None]
    term2 = (weights * x).sum(axis=0) / (n * n)
    return term1 - term2


@dataclass(frozen=True)
class CVResult:
    folds: pd.DataFrame  # one row per fold: train end, MAPE, CRPS, coverage, divergences
    roi: pd.DataFrame  # one row per fold x channel: ROI mean and interval
    forecasts: pd.DataFrame  # one row per fold x forecast date: actual, mean, lower, upper


def _forecast(result, test: MMMData, history: np.ndarray, seed: int, ci_prob: float | None):
    mu = predict.components(result, test, history=history).sum(D.COMPONENT)
    y = predict.noise_draws(result, mu, seed=seed)
    flat = y.values.reshape(-1, y.sizes[D.DATE])
    lo, hi = eti_bounds(flat, ci_prob)
    return mu.mean((D.CHAIN, D.DRAW)).values, lo, hi, flat


def _fold(data: MMMData, spec, k: int, cut: int, horizon: int, ci_prob: float | None, fit_kwargs):
    """Fit rows ``:cut`` and score the forecast of the next ``horizon``: the fold's rows."""
    train, test = data.slice(0, cut), data.slice(cut, cut + horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)
        result = fit(train, spec, progress=False, **fit_kwargs)
    mean, lo, hi, flat = _forecast(result, test, train.spend, seed=k, ci_prob=ci_prob)
    actual = test.target
    fold_row = {
        "fold": k + 1,
        "train_end": train.dates[-1],
        "train_rows": cut,
        "mape": float(np.mean(np.abs(mean - actual) / np.abs(actual))),
        "crps": float(crps(flat, actual).mean()),
        "coverage": float(np.mean((actual >= lo) & (actual <= hi))),
        "divergences": result.diagnostics.divergences,
        "max_r_hat": result.diagnostics.max_r_hat,
    }
    roi = roi_draws(result)
    r_lo, r_hi = interval(roi, ci_prob)
    roi_rows = [
        {
            "fold": k + 1,
            "channel": ch,
            "roi_mean": float(roi.sel(channel=ch).mean()),
            "roi_lower": float(r_lo.sel(channel=ch)),
            "roi_upper": float(r_hi.sel(channel=ch)),
        }
        for ch in data.channels
    ]
    fc_rows = [
        {
            "fold": k + 1,
            "date": date,
            "actual": actual[i],
            "mean": mean[i],
            "lower": lo[i],
            "upper": hi[i],
        }
        for i, date in enumerate(test.dates)
    ]
    return fold_row, roi_rows, fc_rows


def time_slice_cv(
    data: MMMData,
    spec: ModelSpec | None = None,
    *,
    folds: int = 4,
    horizon: int = 8,
    ci_prob: float | None = None,
    progress: bool = True,
    engine=None,
    **fit_kwargs,
) -> CVResult:
    """Refit on growing windows and forecast the next ``horizon`` periods after each.

    Fold ``k`` trains on all rows before ``T - (folds - k) * horizon`` and is scored on the
    ``horizon`` rows after it (adstock carried across the cut): MAPE of the mean forecast,
    CRPS of the predictive distribution, coverage of its ``ci_prob`` interval; ROI per fold
    shows how stable the estimates are as data accumulate. ``engine``: run the folds in
    parallel on Dask (a number of local workers, a scheduler address or a
    ``distributed.Client``; see :func:`bayes_mmm.batch.map_tasks`); default one by one here.
    """
    n = data.n_dates
    first_cut = n - folds * horizon
    if first_cut < 1:
        raise ValueError(f"{folds} folds of {horizon} periods need more than {n} rows")
    args = [
        (data, spec, k, first_cut + k * horizon, horizon, ci_prob, fit_kwargs) for k in range(folds)
    ]
    if engine is not None:
        from bayes_mmm.batch.engine import map_tasks

        log.info("CV: %d folds on the engine", folds)
        outs = map_tasks(_fold, args, engine=engine)
    else:
        outs = []
        for a in args:
            k, cut = a[2], a[3]
            log.info(
                "CV fold %d/%d: train %d rows, test %d", k + 1, folds, cut, min(horizon, n - cut)
            )
            outs.append(_fold(*a))
    fold_rows = [o[0] for o in outs]
    roi_rows = [r for o in outs for r in o[1]]
    fc_rows = [r for o in outs for r in o[2]]
    return CVResult(pd.DataFrame(fold_rows), pd.DataFrame(roi_rows), pd.DataFrame(fc_rows))
