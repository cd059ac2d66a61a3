"""Summaries of posterior draws: mean and equal-tailed credible intervals over (chain, draw)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.model import dims as D


def interval(da: xr.DataArray, ci_prob: float = 0.90) -> tuple[xr.DataArray, xr.DataArray]:
    """Equal-tailed interval bounds over the sample dims."""
    if not 0 < ci_prob < 1:
        raise ValueError(f"ci_prob must be in (0, 1), got {ci_prob}")
    tail = (1 - ci_prob) / 2
    q = da.quantile([tail, 1 - tail], dim=list(D.SAMPLE_DIMS))
    return q.isel(quantile=0, drop=True), q.isel(quantile=1, drop=True)


def summarise(da: xr.DataArray, ci_prob: float = 0.90, median: bool = False) -> xr.Dataset:
    """``mean`` (and ``median``), ``lower``, ``upper`` over the sample dims."""
    lo, hi = interval(da, ci_prob)
    out = {"mean": da.mean(D.SAMPLE_DIMS)}
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
