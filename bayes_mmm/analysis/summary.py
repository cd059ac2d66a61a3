"""Summaries of posterior draws: mean and equal-tailed credible intervals over (chain, draw),
computed by ArviZ (``arviz_stats.eti``). The interval probability defaults to ArviZ's
``rcParams["stats.ci_prob"]``, which bayes_mmm sets to 0.9 when this module is first imported
unless it was changed from ArviZ's own default before (set it to change every default at once,
or pass ``ci_prob``)."""

from __future__ import annotations

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr
from arviz_base import rcParams
from arviz_base.rcparams import defaultParams

from bayes_mmm.model import dims as D

DEFAULT_CI_PROB = 0.9  # the interval probability of every summary (overridable)
if rcParams["stats.ci_prob"] == defaultParams["stats.ci_prob"][0]:  # not set by the user
    rcParams["stats.ci_prob"] = DEFAULT_CI_PROB


def ci(ci_prob: float | None = None) -> float:
    """``ci_prob``, or ArviZ's default when None; checked to be in (0, 1)."""
    prob = rcParams["stats.ci_prob"] if ci_prob is None else ci_prob
    if not 0 < prob < 1:
        raise ValueError(f"ci_prob must be in (0, 1), got {prob}")
    return float(prob)


def interval(da: xr.DataArray, ci_prob: float | None = None) -> tuple[xr.DataArray, xr.DataArray]:
    """Equal-tailed interval bounds over the sample dims."""
    bounds = azs.eti(da, prob=ci(ci_prob), dim=list(D.SAMPLE_DIMS))
    return bounds.sel(ci_bound="lower", drop=True), bounds.sel(ci_bound="upper", drop=True)


def eti_bounds(x, ci_prob: float | None = None, axis: int = 0) -> tuple:
    """Equal-tailed interval ``(lower, upper)`` of draws ``x`` along ``axis`` (numpy)."""
    bounds = np.asarray(azs.eti(np.asarray(x, dtype=float), ci(ci_prob), axis=axis))
    if bounds.ndim == 1:  # draws of one quantity: two numbers
        return float(bounds[0]), float(bounds[1])
    return bounds[..., 0], bounds[..., 1]


def summarise(da: xr.DataArray, ci_prob: float | None = None, median: bool = False) -> xr.Dataset:
    """``mean`` (and ``median``), ``lower``, ``upper`` over the sample dims."""
    ci_prob = ci(ci_prob)
    lo, hi = interval(da, ci_prob)
    out = {"mean": da.mean(D.SAMPLE_DIMS, skipna=False)}  # draws have no NaN
    if median:
        out["median"] = da.median(D.SAMPLE_DIMS)
    out.update(lower=lo, upper=hi)
    ds = xr.Dataset(out)
    ds.attrs["ci_prob"] = ci_prob
    return ds


def to_frame(ds: xr.Dataset, prefix: str = "") -> pd.DataFrame:
    """A summary Dataset as a tidy DataFrame (one row per coordinate combination)."""
    df = ds.to_dataframe()
    drop = [c for c in df.columns if c not in ds.data_vars]
    df = df.drop(columns=drop)
    if prefix:
        df = df.add_prefix(prefix)
    return df.reset_index()


def pairwise_probabilities(draws: xr.DataArray, dim: str = D.CHANNEL) -> pd.DataFrame:
    """``P(row > column)`` over the posterior draws for every pair along ``dim``, e.g. of
    ``Analysis.mroi``: "is the next dollar on search worth more than on TV?". The diagonal is
    NaN; ``P(a > b) + P(b > a) = 1`` when draws do not tie."""
    other = [d for d in draws.dims if d not in (*D.SAMPLE_DIMS, dim)]
    if other:
        raise ValueError(f"draws must have dims (chain, draw, {dim}); extra dims: {other}")
    values = draws.transpose(*D.SAMPLE_DIMS, dim).values.reshape(-1, draws.sizes[dim])
    prob = (values[:, :, None] > values[:, None, :]).mean(axis=0)
    prob[np.diag_indices_from(prob)] = np.nan
    labels = [str(x) for x in draws[dim].values]
    return pd.DataFrame(prob, index=pd.Index(labels, name=dim), columns=labels)
