"""Fit quality: in-sample R², MAPE and predictive-interval coverage; an out-of-time holdout
(fit on the first weeks, forecast the last ``h`` with their known spend and controls, adstock
carried across the cut); and a posterior predictive check.

Point metrics use the posterior mean prediction; coverage is the share of observed values
inside the equal-tailed ``ci_prob`` interval of the posterior predictive (mean + noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.contributions import prediction
from bayes_mmm.analysis.summary import ci, eti_bounds, interval
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.fit import fit as fit_model
from bayes_mmm.logs import log
from bayes_mmm.model import dims as D
from bayes_mmm.model.spec import ModelSpec

if TYPE_CHECKING:
    from bayes_mmm.analysis.geo_holdout import GeoHoldout


# ---- metrics (numpy) -------------------------------------------------------------------------
def r2_score(y: np.ndarray, y_hat: np.ndarray) -> float:
    """``1 - SS_residual / SS_total`` (negative when worse than the mean of ``y``)."""
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - y_hat) ** 2)) / ss_tot if ss_tot > 0 else float("nan")


def mape(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean absolute percentage error, as a fraction (0.05 = 5%); weeks with y = 0 skipped."""
    ok = y != 0
    return float(np.mean(np.abs((y[ok] - y_hat[ok]) / y[ok]))) if ok.any() else float("nan")


def metrics(y: np.ndarray, mu: xr.DataArray, y_rep: xr.DataArray, ci_prob: float | None) -> dict:
    """``r2``, ``mape``, ``coverage`` (of the ``ci_prob`` predictive interval), ``rmse``, ``n``."""
    ci_prob = ci(ci_prob)
    lo, hi = interval(y_rep, ci_prob)
    return interval_metrics(y, mu.mean(D.SAMPLE_DIMS).values, lo.values, hi.values, ci_prob)


def interval_metrics(y, y_hat: np.ndarray, lo: np.ndarray, hi: np.ndarray, ci_prob: float) -> dict:
    """:func:`metrics` from the posterior mean ``y_hat`` and the predictive interval
    ``[lo, hi]`` of each period (a geo fit's checks give them per geo)."""
    y = np.asarray(y, dtype=float)
    return {
        "r2": r2_score(y, y_hat),
        "mape": mape(y, y_hat),
        "coverage": float(((lo <= y) & (y <= hi)).mean()),
        "ci_prob": ci_prob,
        "rmse": float(np.sqrt(np.mean((y - y_hat) ** 2))),
        "n": len(y),
    }


# ---- in sample -------------------------------------------------------------------------------
def predictive(fit: MMMFit, mu: xr.DataArray | None = None, seed: int | None = 0) -> xr.DataArray:
    """Posterior predictive draws ``(chain, draw, date)`` over the fit window."""
    return predict.noise_draws(fit, prediction(fit) if mu is None else mu, seed=seed)


def fit_quality(
    fit: MMMFit,
    ci_prob: float | None = None,
    seed: int | None = 0,
    mu: xr.DataArray | None = None,
    y_rep: xr.DataArray | None = None,
    geo: str | None = None,
) -> dict | pd.DataFrame:
    """In-sample ``r2, mape, coverage, ci_prob, rmse, n`` (see :func:`metrics`). Of a geo
    fit: one row per geo, national first (``geo``: that geo's, as a dict)."""
    if fit.data.n_geos > 1:
        from bayes_mmm.analysis.geo_checks import geo_fit_quality

        return _geo_rows(geo_fit_quality(fit, ci_prob, seed), geo, "records")
    mu = prediction(fit) if mu is None else mu
    y_rep = predictive(fit, mu, seed) if y_rep is None else y_rep
    return metrics(fit.data.target, mu, y_rep, ci_prob)


def _geo_rows(table: pd.DataFrame, geo: str | None, one: str):
    """A geo fit's table, or the rows of ``geo`` (``one``: ``records`` for one row's dict)."""
    if geo is None:
        return table
    from bayes_mmm.analysis.geo import require_geo

    require_geo(table[D.GEO].unique(), geo)
    rows = table[table[D.GEO] == geo].drop(columns=D.GEO).reset_index(drop=True)
    return rows.iloc[0].to_dict() if one == "records" else rows


def _acf1(x: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation along the last axis."""
    x = x - x.mean(axis=-1, keepdims=True)
    return (x[..., 1:] * x[..., :-1]).sum(-1) / (x * x).sum(-1)


def ppc(
    fit: MMMFit,
    ci_prob: float | None = None,
    seed: int | None = 0,
    mu: xr.DataArray | None = None,
    y_rep: xr.DataArray | None = None,
    geo: str | None = None,
) -> pd.DataFrame:
    """Posterior predictive check: statistics of the observed outcome against the same
    statistics of replicated data (one replicate per draw).

    Columns ``statistic, observed, replicated_mean, replicated_lower, replicated_upper,
    p_value`` with ``p_value = P(T(replicated) >= T(observed))``; values near 0 or 1 show
    what the model fails to reproduce. ``residual_acf1`` compares the lag-1 autocorrelation
    of ``y - mu`` with that of ``y_rep - mu`` (white noise by construction): a high observed
    value means dynamics the model misses. Of a geo fit: per geo, national first (a ``geo``
    column; ``geo``: that geo's rows).
    """
    if fit.data.n_geos > 1:
        from bayes_mmm.analysis.geo_checks import geo_ppc

        return _geo_rows(geo_ppc(fit, ci_prob, seed), geo, "frame")
    mu = prediction(fit) if mu is None else mu
    y_rep = predictive(fit, mu, seed) if y_rep is None else y_rep
    m = mu.transpose(*D.SAMPLE_DIMS, D.DATE).values.reshape(-1, mu.sizes[D.DATE])
    rep = y_rep.transpose(*D.SAMPLE_DIMS, D.DATE).values.reshape(m.shape)
    return pd.DataFrame(ppc_rows(fit.data.target, m, rep, ci_prob))


PPC_COLUMNS = ("observed", "replicated_mean", "replicated_lower", "replicated_upper", "p_value")


def ppc_stats(y: np.ndarray, m: np.ndarray, rep: np.ndarray, ci_prob: float | None) -> dict:
    """Per statistic, the :data:`PPC_COLUMNS` of observed ``y`` (..., T) against draws of the
    mean ``m`` and replicated data ``rep`` (S, ..., T): arrays over the ``...`` axes (a geo
    fit's chunk of geos at once), numbers for one series."""
    plain = {
        "mean": lambda a: a.mean(axis=-1),
        "sd": lambda a: a.std(axis=-1),
        "min": lambda a: a.min(axis=-1),
        "max": lambda a: a.max(axis=-1),
    }
    pairs = {name: (np.broadcast_to(f(y), rep.shape[:-1]), f(rep)) for name, f in plain.items()}
    pairs["residual_acf1"] = (_acf1(y - m), _acf1(rep - m))
    out = {}
    for name, (obs, stat) in pairs.items():
        lo, hi = eti_bounds(stat, ci_prob)
        out[name] = (obs.mean(axis=0), stat.mean(axis=0), lo, hi, (stat >= obs).mean(axis=0))
    return out


def ppc_rows(y: np.ndarray, m: np.ndarray, rep: np.ndarray, ci_prob: float | None) -> list[dict]:
    """:func:`ppc`'s rows from observed ``y`` (T,), draws of the mean ``m`` and replicated
    data ``rep`` (S, T)."""
    stats = ppc_stats(y, m, rep, ci_prob)
    return [{"statistic": name, **{c: float(v) for c, v in zip(PPC_COLUMNS, values, strict=True)}}
            for name, values in stats.items()]  # fmt: skip


# ---- out of time -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Holdout:
    """A fit on the first weeks and its forecast of the held-out last weeks."""

    train_fit: MMMFit
    test: MMMData
    components: xr.DataArray  # (chain, draw, date, component) over the held-out weeks
    y_rep: xr.DataArray  # (chain, draw, date) posterior predictive of the held-out weeks
    metrics: dict = field(default_factory=dict)

    @property
    def mu(self) -> xr.DataArray:
        return self.components.sum(D.COMPONENT).rename("mu")

    @property
    def weeks(self) -> int:
        return self.test.n_dates


def forecast(train_fit: MMMFit, test: MMMData) -> xr.DataArray:
    """``(chain, draw, date, component)`` for the rows ``test`` that follow the fit window,
    with their known spend and controls; adstock carries over from the fit window's spend."""
    return predict.components(train_fit, test, history=train_fit.data.spend)


def holdout_check(
    train_fit: MMMFit, test: MMMData, ci_prob: float | None = None, seed: int | None = 0
) -> Holdout | GeoHoldout:
    """Forecast ``test`` with ``train_fit`` (no refit) and score it: r2, mape, coverage. Of
    a geo fit, a :class:`~bayes_mmm.analysis.geo_holdout.GeoHoldout` (per geo and national)."""
    if train_fit.data.n_geos > 1:
        from bayes_mmm.analysis.geo_holdout import geo_holdout_check

        return geo_holdout_check(train_fit, test, ci_prob, seed)
    comp = forecast(train_fit, test)
    mu = comp.sum(D.COMPONENT)
    y_rep = predict.noise_draws(train_fit, mu, seed=seed)
    scores = metrics(test.target, mu, y_rep, ci_prob)
    scores.update(weeks=test.n_dates, train_weeks=train_fit.data.n_dates)
    return Holdout(train_fit, test, comp, y_rep, scores)


def holdout(
    data: MMMData,
    weeks: int,
    spec: ModelSpec | None = None,
    *,
    ci_prob: float | None = None,
    seed: int | None = 0,
    progress: bool = False,
    **fit_kwargs,
) -> Holdout | GeoHoldout:
    """Fit on all but the last ``weeks`` periods of ``data`` (``fit_kwargs`` go to
    :func:`bayes_mmm.inference.fit`), forecast those periods and score the forecast. Geo
    data: every geo's last ``weeks``, scored per geo and nationally (a ``GeoHoldout``)."""
    if not 0 < weeks < data.n_dates:
        raise ValueError(f"holdout weeks must be between 1 and {data.n_dates - 1}, got {weeks}")
    cut = data.n_dates - weeks
    log.info("holdout: fitting the first %d periods to forecast the last %d%s", cut, weeks,
             f" of {data.n_geos} geos" if data.n_geos > 1 else "")  # fmt: skip
    fit_kwargs.setdefault("seed", seed)
    train_fit = fit_model(data.slice(0, cut), spec, progress=progress, **fit_kwargs)
    return holdout_check(train_fit, data.slice(cut), ci_prob=ci_prob, seed=seed)
