"""Analysis of geo fits: contributions and ROI per geo and nationally (the sum over geos),
from the geo model's numpy forward pass (:mod:`bayes_mmm.model.geo_forward`).

Every function takes ``geo=`` to select one geo (or ``"national"``, the total); without it,
national rows come first, then every geo.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.summary import summarise, to_frame
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.inference.idata import stacked, unstack
from bayes_mmm.model import dims as D
from bayes_mmm.model.forward import BETA
from bayes_mmm.model.geo import ROI_GEO, GeoDesign, GeoScales, make_geo_design
from bayes_mmm.model.geo_forward import GeoForward
from bayes_mmm.model.spec import ModelSpec

CHUNK_CELLS = 40_000_000  # values per geo chunk of (sample, geo, date, component) arrays
PROGRESS_EVERY = 5.0  # seconds between progress messages of a pass over many geo chunks
log = logging.getLogger(__name__)


def _draws(posterior: xr.Dataset, n_geos: int) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Stacked draws with a geo axis on every geo-level variable (a national fit's variables
    carry none: its intercept and ROI gain one) and each such variable's geo axis."""
    draws = stacked(posterior, list(posterior.data_vars))
    axes = {}
    for name, da in posterior.data_vars.items():
        if D.GEO in da.dims:
            axes[name] = 1 + [d for d in da.dims if d not in D.SAMPLE_DIMS].index(D.GEO)
    if n_geos == 1 and D.GEO not in posterior.dims:
        draws[D.INTERCEPT] = draws[D.INTERCEPT].reshape(-1, 1)
        draws.setdefault(ROI_GEO, draws[D.ROI][:, None, :])
        axes.update({D.INTERCEPT: 1, ROI_GEO: 1})
        if BETA in draws:
            draws[BETA], axes[BETA] = draws[BETA][:, None, :], 1
    return draws, axes


def geo_forward(posterior: xr.Dataset, data: MMMData, spec: ModelSpec) -> GeoForward:
    """The geo forward model at the draws of ``posterior`` (national fits too: one geo)."""
    draws, _ = _draws(posterior, data.n_geos)
    return GeoForward(spec, GeoScales.from_data(data), draws)


@dataclass(frozen=True)
class _Chunk:
    """The forward model and design restricted to the geos ``idx``."""

    idx: np.ndarray
    fwd: GeoForward
    design: GeoDesign
    spend: np.ndarray  # (g, date, channel) user units
    controls: np.ndarray  # (g, date, control) raw


def _chunks(fit, width: int | None = None, what: str = "geo analysis") -> Iterator[_Chunk]:
    """The fit's geos in chunks of ``width`` (default: ``CHUNK_CELLS`` values per chunk),
    logging ``what``'s progress every ``PROGRESS_EVERY`` seconds of a long pass."""
    return _progress(chunks_of(fit.posterior, fit.data, fit.spec, width), fit.data.n_geos, what)


def _progress(chunks: Iterator[_Chunk], n_geos: int, what: str) -> Iterator[_Chunk]:
    start = last = time.perf_counter()
    for chunk in chunks:
        yield chunk
        now, done = time.perf_counter(), int(chunk.idx[-1]) + 1
        if now - last >= PROGRESS_EVERY or (done == n_geos and last > start):
            log.info("%s: %d of %d geos (%.0f s)", what, done, n_geos, now - start)
            last = now


def chunks_of(posterior: xr.Dataset, data: MMMData, spec: ModelSpec,
              width: int | None = None) -> Iterator[_Chunk]:  # fmt: skip
    """:func:`_chunks` of a posterior that is not yet packaged as a fit."""
    draws, axes = _draws(posterior, data.n_geos)
    scales = GeoScales.from_data(data)
    design = make_geo_design(data, spec, scales)
    n_sample = len(next(iter(draws.values())))
    cells = n_sample * data.n_dates * (data.n_channels + len(data.control_names) + 4)
    width = width or max(1, CHUNK_CELLS // cells)
    for lo in range(0, data.n_geos, width):
        idx = np.arange(lo, min(lo + width, data.n_geos))
        sub = {k: v.take(idx, axis=axes[k]) if k in axes else v for k, v in draws.items()}
        sub_scales = replace(scales, target=scales.target[idx], size=scales.size[idx])
        sub_design = replace(
            design, x_lagged=design.x_lagged[:, idx], spend_total=design.spend_total[idx],
            controls=design.controls[idx], target=design.target[idx],
            target_scale=design.target_scale[idx],
        )  # fmt: skip
        yield _Chunk(idx, GeoForward(spec, sub_scales, sub), sub_design, data.geo_spend[idx],
                     data.geo_controls[idx])  # fmt: skip


def require_geo(geos, geo: str) -> None:
    """``geo`` must be one of ``geos`` (the outputs' labels, ``national`` included)."""
    if geo not in list(geos):
        raise ValueError(f"geo '{geo}' is not in the fit; geos: {list(geos)}")


def _select(da: xr.DataArray, geo: str | None) -> xr.DataArray:
    if geo is None:
        return da
    require_geo(da[D.GEO].values, geo)
    return da.sel({D.GEO: geo})


def _has_total(data: MMMData) -> bool:
    """Whether outputs gain a national total row (not when the one geo is the nation)."""
    return tuple(data.geos) != (NATIONAL,)


def _out_geos(data: MMMData) -> list[str]:
    """Geo labels of the outputs: the national total first (once), then every geo."""
    return [NATIONAL, *data.geos] if _has_total(data) else [NATIONAL]


def _with_total(data: MMMData, per_geo: np.ndarray, axis: int) -> np.ndarray:
    """``per_geo`` with the sum over geos (along ``axis``) first, where outputs have one."""
    if not _has_total(data):
        return per_geo
    return np.concatenate([per_geo.sum(axis=axis, keepdims=True), per_geo], axis=axis)


def _with_national(da: xr.DataArray, national: xr.DataArray) -> xr.DataArray:
    if list(da[D.GEO].values) == [NATIONAL]:
        return da
    national = national.expand_dims({D.GEO: [NATIONAL]})
    out = xr.concat([national, da], dim=D.GEO)
    return out.transpose(*D.SAMPLE_DIMS, D.GEO, ...)


def chunk_beta(chunk: _Chunk) -> np.ndarray:
    """``(sample, g, channel)`` weekly contribution at saturation of one chunk's geos (the
    fit's stored ``beta``, else from the ROI draws over the window)."""
    fwd = chunk.fwd
    return fwd.draws[BETA] if BETA in fwd.draws else fwd.beta(chunk.spend)


def _media(chunk: _Chunk) -> np.ndarray:
    """Channel contributions ``(sample, g, date, channel)`` of one chunk's geos."""
    return chunk.fwd.media(chunk.spend, chunk_beta(chunk))


def window_beta(posterior: xr.Dataset, data: MMMData, spec: ModelSpec) -> np.ndarray:
    """``(sample, geo, channel)`` weekly contribution at saturation (outcome units) from the
    ROI draws over the fit window, a chunk of geos at a time."""
    chunks = chunks_of(posterior, data, spec)
    return np.concatenate([c.fwd.beta(c.spend) for c in chunks], axis=1)


def geo_media_draws(fit) -> np.ndarray:
    """Channel contributions ``(sample, geo, date, channel)`` over the fit window."""
    return np.concatenate([_media(c) for c in _chunks(fit, what="contributions")], axis=1)


def component_names(data: MMMData, parts: Iterable[str]) -> list[str]:
    """Contribution components in output order: baseline terms, each control, each channel."""
    terms = [name for name in parts if name != D.CONTROL]
    return terms + list(data.control_names) + list(data.channels)


def _parts(chunk: _Chunk, data: MMMData) -> tuple[list[str], np.ndarray]:
    """Component names and contributions ``(sample, g, date, component)`` of one chunk."""
    fwd = chunk.fwd
    parts = fwd.baseline(chunk.design)
    arrays = [values for name, values in parts.items() if name != D.CONTROL]
    if D.CONTROL in parts:  # per control: coefficient x raw control
        sd = np.where(fwd.scales.control_sd > 0, fwd.scales.control_sd, 1.0)
        coef = fwd.draws[D.CONTROL_COEF] / sd
        target = fwd.scales.target[None, :, None]
        arrays += [coef[:, k, None, None] * chunk.controls[None, ..., k] * target
                   for k in range(len(data.control_names))]  # fmt: skip
    media = _media(chunk)
    arrays += [media[..., c] for c in range(data.n_channels)]
    return component_names(data, parts), np.stack(arrays, axis=-1)


def geo_contributions(fit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, geo, date, component)`` in the user's units; geo ``national`` is the
    sum over geos. Components sum to each geo's modeled mean, draw by draw. Holds every
    draw of every cell: for many geos use :func:`geo_contribution_summary`."""
    data = fit.data
    chunks = [_parts(c, data) for c in _chunks(fit, what="contributions")]
    names, values = chunks[0][0], np.concatenate([v for _, v in chunks], axis=1)
    coords = {D.GEO: list(data.geos), D.DATE: data.dates.values, D.COMPONENT: names}
    da = unstack(values, fit.posterior, (D.GEO, D.DATE, D.COMPONENT), coords)
    return _select(_with_national(da, da.sum(D.GEO)), geo).rename("contribution")


@dataclass(frozen=True)
class GeoSummaries:
    """One pass over a geo fit's chunks: summaries (``mean``, ``lower``, ``upper``) of the
    contributions ``(geo, date, component)`` and of the modeled mean ``(geo, date)``,
    national first, and the draws the ROI needs (:func:`geo_roi_table`'s ``sums``)."""

    components: xr.Dataset
    fitted: xr.Dataset
    sums: tuple[np.ndarray, np.ndarray | None]  # (S, geo, channel) window sums, revenue ones
    totals: np.ndarray  # (S, geo, component) window totals of every component (no national)
    names: list[str]  # the components


def geo_summaries(fit, ci_prob: float | None = None, visit=None) -> GeoSummaries:
    """:class:`GeoSummaries`, a chunk of geos at a time (memory bounded by ``CHUNK_CELLS``,
    not by the number of geos); each chunk's contributions are computed once (``visit(chunk,
    contributions)``, if given, sees them too: e.g. the fit checks' pass)."""
    data, rpk = fit.data, fit.data.geo_revenue_per_kpi
    comp, fitted, sums, revenue, totals, national = [], [], [], [], [], None
    for chunk in _chunks(fit, what="contributions"):
        names, values = _parts(chunk, data)
        if visit is not None:
            visit(chunk, values)
        national = values.sum(axis=1) if national is None else national + values.sum(axis=1)
        comp.append(_summary(fit, values, names, [data.geos[i] for i in chunk.idx], ci_prob))
        fitted.append(_summary(fit, values.sum(axis=-1), None, comp[-1][D.GEO].values, ci_prob))
        media = values[..., len(names) - data.n_channels :]
        sums.append(media.sum(axis=2))
        totals.append(values.sum(axis=2))
        if rpk is not None:
            revenue.append(np.einsum("sgtc,gt->sgc", media, rpk[chunk.idx]))
    if _has_total(data):
        comp.insert(0, _summary(fit, national[:, None], names, [NATIONAL], ci_prob))
        fitted.insert(0, _summary(fit, national.sum(axis=-1)[:, None], None, [NATIONAL], ci_prob))
    window = np.concatenate(sums, axis=1), np.concatenate(revenue, axis=1) if revenue else None
    return GeoSummaries(xr.concat(comp, dim=D.GEO), xr.concat(fitted, dim=D.GEO), window,
                        np.concatenate(totals, axis=1), names)  # fmt: skip


def geo_share_draws(fit, summaries: GeoSummaries | None = None) -> xr.Dataset:
    """:func:`~bayes_mmm.analysis.contributions.share_draws` per geo, national first:
    ``total`` and ``share_of_total`` ``(chain, draw, geo, component)``, ``share_of_media``
    ``(chain, draw, geo, channel)`` over the fit window (``summaries``: reuse their totals)."""
    s = geo_summaries(fit) if summaries is None else summaries
    data = fit.data
    total = _with_total(data, s.totals, axis=1)
    coords = {D.GEO: _out_geos(data), D.COMPONENT: s.names}
    from bayes_mmm.analysis.contributions import shares_of

    return shares_of(unstack(total, fit.posterior, (D.GEO, D.COMPONENT), coords), data)


def geo_contribution_summary(fit, ci_prob: float | None = None) -> tuple[xr.Dataset, xr.Dataset]:
    """Summaries of the contributions and of the modeled mean (:func:`geo_summaries`)."""
    s = geo_summaries(fit, ci_prob)
    return s.components, s.fitted


def _summary(fit, values: np.ndarray, names, geos, ci_prob: float | None) -> xr.Dataset:
    dims = (D.GEO, D.DATE) + ((D.COMPONENT,) if names is not None else ())
    coords = {D.GEO: list(geos), D.DATE: fit.data.dates.values}
    if names is not None:
        coords[D.COMPONENT] = list(names)
    return summarise(unstack(values, fit.posterior, dims, coords), ci_prob)


def _window_sums(fit, revenue: bool = False) -> np.ndarray:
    """``(sample, geo, channel)`` contribution summed over the window (times revenue per
    KPI with ``revenue``), a chunk of geos at a time."""
    rpk = fit.data.geo_revenue_per_kpi
    out = []
    for chunk in _chunks(fit, what="ROI"):
        media = _media(chunk)
        out.append(np.einsum("sgtc,gt->sgc", media, rpk[chunk.idx]) if revenue
                   else media.sum(axis=2))  # fmt: skip
    return np.concatenate(out, axis=1)


def _money(data: MMMData) -> np.ndarray:
    """``(geo + 1, channel)`` window money spend: national row first, then each geo."""
    per_geo = data.geo_money_spend.sum(axis=1)
    return _with_total(data, per_geo, axis=0)


def _ratio(num: np.ndarray, spend: np.ndarray) -> np.ndarray:
    return np.where(spend > 0, num / np.where(spend > 0, spend, 1.0), np.nan)


def _roi_array(fit, per_geo: np.ndarray, name: str, geo: str | None) -> xr.DataArray:
    """``(S, geo, channel)`` window numerator per geo -> ROI with the national row."""
    data = fit.data
    money = _money(data)
    values = _ratio(_with_total(data, per_geo, axis=1), money)
    coords = {D.GEO: _out_geos(data), D.CHANNEL: list(data.channels)}
    da = unstack(values, fit.posterior, (D.GEO, D.CHANNEL), coords)
    return _select(da, geo).rename(name)


def geo_roi_draws(fit, geo: str | None = None) -> xr.DataArray:
    """``(chain, draw, geo, channel)`` ROI: window contribution / window money spend, per geo
    and nationally (total over geos / total spend); NaN where a geo never spends on a channel
    and for organic channels (no spend)."""
    return _roi_array(fit, _window_sums(fit), "roi", geo)


def geo_revenue_roi_draws(fit, geo: str | None = None) -> xr.DataArray:
    """As :func:`geo_roi_draws` in revenue: ``sum_t contribution_gt x revenue_per_kpi_gt``
    / money spend (needs revenue per KPI)."""
    rpk = fit.data.geo_revenue_per_kpi
    if rpk is None:
        raise ValueError("revenue ROI needs revenue per KPI (revenue_per_kpi=...)")
    return _roi_array(fit, _window_sums(fit, revenue=True), "revenue_roi", geo)


def geo_roi_table(fit, ci_prob: float | None = None, geo: str | None = None,
                  sums: tuple | None = None) -> pd.DataFrame:  # fmt: skip
    """Rows ``geo, channel, spend, contribution_mean, roi_mean, roi_median, roi_lower,
    roi_upper`` (and ``revenue_roi_mean, revenue_roi_lower, revenue_roi_upper`` with revenue
    per KPI): national rows (geo ``national``) first, then each geo (ROI empty where a geo
    never spends on the channel, and for organic channels). ``sums``: the window sums of
    :class:`GeoSummaries` (computed here if not given)."""
    rpk = fit.data.geo_revenue_per_kpi
    if sums is None:
        sums = _window_sums(fit), None if rpk is None else _window_sums(fit, revenue=True)
    media = sums[0]  # (S, geo, channel)
    contrib = _with_total(fit.data, media, axis=1).mean(axis=0)
    roi = _roi_array(fit, media, "roi", None)
    spend = _money(fit.data)
    spend_da = xr.DataArray(spend, dims=(D.GEO, D.CHANNEL), coords={D.GEO: roi[D.GEO]})
    ds = summarise(roi.fillna(0.0), ci_prob, median=True)
    ds = ds.where(roi.notnull().all(D.SAMPLE_DIMS)).assign(
        spend=spend_da, contribution=(spend_da.dims, contrib)
    )
    table = to_frame(ds[["spend", "contribution"]])
    table = table.rename(columns={"contribution": "contribution_mean"})
    table = table.merge(to_frame(ds[["mean", "median", "lower", "upper"]], "roi_"))
    if rpk is not None:
        rev = _roi_array(fit, sums[1], "revenue_roi", None)
        rs = summarise(rev.fillna(0.0), ci_prob).where(rev.notnull().all(D.SAMPLE_DIMS))
        table = table.merge(to_frame(rs[["mean", "lower", "upper"]], "revenue_roi_"))
    if fit.data.organic:
        kinds = {c: "organic" if c in fit.data.organic else "paid" for c in fit.data.channels}
        table["kind"] = table[D.CHANNEL].map(kinds)
    order = {g: i for i, g in enumerate(roi[D.GEO].values)}
    table = table.sort_values([D.GEO], key=lambda s: s.map(order), kind="stable")
    table = table.reset_index(drop=True)
    return table if geo is None else table[table[D.GEO] == geo].reset_index(drop=True)
