"""The fitted model's DataTree schema: what is stored next to the posterior, and reading it back.

Groups (all with named dims):

- ``posterior``: sampled parameters (model units, see ``spec``) plus ``beta`` (outcome units).
- ``sample_stats``: sampler statistics (``diverging``, ``n_steps``, ...).
- ``observed_data``: ``y`` (date) in the user's units; geo fits also ``y_geo`` (geo, date).
- ``constant_data``: ``spend`` (date, channel: the model's media input), ``controls`` (date,
  control) in the user's units; ``paid_spend`` (money spend, when a channel is given as
  exposure or organic) and ``revenue_per_kpi`` (date) when given; the scales
  (``target_scale``, ``spend_scale``, ``control_mean``, ``control_sd``); geo fits also
  ``geo_spend``, ``geo_controls``, ``population`` by geo, and ``geo_paid_spend``,
  ``geo_revenue_per_kpi`` when the media inputs have them.
- root attributes: the model spec, the resolved priors and the data's column names (and its
  lift tests, if any) as JSON;
  the unit of scaled spend (``bayes_mmm_spend_unit``; files in another unit are refused).

Everything needed to recompute any analysis is in the tree: no pickles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.geo import Panel
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.data.scaling import Scales
from bayes_mmm.model import dims as D

GEO_SPEND, GEO_CONTROLS, GEO_OBS, POPULATION = "geo_spend", "geo_controls", "y_geo", "population"
PAID_SPEND = "paid_spend"  # (date, channel) money spend of exposure/organic fits
REVENUE_PER_KPI = "revenue_per_kpi"  # (date,)
GEO_PAID_SPEND, GEO_REVENUE = "geo_paid_spend", "geo_revenue_per_kpi"  # geo fits' media inputs


def data_groups(data: MMMData, scales: Scales) -> dict[str, xr.Dataset]:
    """``observed_data`` and ``constant_data`` groups for a fit on ``data``."""
    coords = {
        D.DATE: data.dates.values,
        D.CHANNEL: list(data.channels),
        D.CONTROL: list(data.control_names),
    }
    constant = xr.Dataset(
        {
            D.SPEND: ((D.DATE, D.CHANNEL), data.spend),
            D.CONTROLS: ((D.DATE, D.CONTROL), data.controls),
            D.Y_SCALE: ((), scales.target),
            D.SPEND_SCALE: ((D.CHANNEL,), scales.spend),
            D.CONTROL_MEAN: ((D.CONTROL,), scales.control_mean),
            D.CONTROL_SD: ((D.CONTROL,), scales.control_sd),
        },
        coords=coords,
    )
    if data.paid_spend is not None:  # spend in money when the media input is exposure
        constant[PAID_SPEND] = ((D.DATE, D.CHANNEL), data.paid_spend)
    if data.revenue_per_kpi is not None:
        constant[REVENUE_PER_KPI] = ((D.DATE,), data.revenue_per_kpi)
    observed = xr.Dataset({D.OBS: ((D.DATE,), data.target)}, coords={D.DATE: data.dates.values})
    if data.panel is not None:  # geo data: each geo's arrays (the national ones are totals)
        geo = {D.GEO: list(data.geos)}
        constant = constant.assign_coords(geo).assign(
            {
                GEO_SPEND: ((D.GEO, D.DATE, D.CHANNEL), data.geo_spend),
                GEO_CONTROLS: ((D.GEO, D.DATE, D.CONTROL), data.geo_controls),
            }
        )
        if data.population is not None:
            constant = constant.assign({POPULATION: ((D.GEO,), data.population)})
        if data.panel.paid_spend is not None:
            constant[GEO_PAID_SPEND] = ((D.GEO, D.DATE, D.CHANNEL), data.panel.paid_spend)
        if data.panel.revenue_per_kpi is not None:
            constant[GEO_REVENUE] = ((D.GEO, D.DATE), data.panel.revenue_per_kpi)
        observed = observed.assign_coords(geo).assign({GEO_OBS: ((D.GEO, D.DATE), data.geo_target)})
    return {"constant_data": constant, "observed_data": observed}


def _panel(meta: dict, const: xr.Dataset, obs: xr.Dataset, dates: pd.DatetimeIndex):
    """The geo panel of a geo fit's DataTree (None for national fits)."""
    if "geo" not in meta:
        return None
    n_g, n_t = len(meta["geo"]["geos"]), len(dates)
    pop = const[POPULATION].values if POPULATION in const else None
    return Panel(
        geos=tuple(meta["geo"]["geos"]),
        dates=dates,
        target=np.asarray(obs[GEO_OBS].values, dtype=float),
        spend=np.asarray(const[GEO_SPEND].values, dtype=float).reshape(n_g, n_t, -1),
        controls=np.asarray(const[GEO_CONTROLS].values, dtype=float).reshape(
            n_g, n_t, len(meta["controls"])
        ),
        control_names=tuple(meta["controls"]),
        population=None if pop is None else np.asarray(pop, dtype=float),
        period_days=int(meta["period_days"]),
        categorical=meta.get("categorical", {}),
        periods=meta.get("periods"),
        paid_spend=_optional(const, GEO_PAID_SPEND, (n_g, n_t, len(meta["channels"]))),
        revenue_per_kpi=_optional(const, GEO_REVENUE, (n_g, n_t)),
    )


def data_from_idata(tree: xr.DataTree) -> MMMData:
    """Rebuild the fit's MMMData from its DataTree (no re-validation needed)."""
    meta = json.loads(tree.attrs[D.ATTR_DATA])
    const = tree["constant_data"].to_dataset()
    obs = tree["observed_data"].to_dataset()
    dates = pd.DatetimeIndex(const[D.DATE].values, name=D.DATE)
    n = len(dates)
    return MMMData(
        dates=dates,
        target=np.asarray(obs[D.OBS].values, dtype=float),
        spend=np.asarray(const[D.SPEND].values, dtype=float).reshape(n, len(meta["channels"])),
        controls=np.asarray(const[D.CONTROLS].values, dtype=float).reshape(
            n, len(meta["controls"])
        ),
        channels=tuple(meta["channels"]),
        control_names=tuple(meta["controls"]),
        target_name=meta["target"],
        date_name=meta["date"],
        period_days=int(meta["period_days"]),
        lift_tests=LiftTests.from_records(meta["lift_tests"]) if meta.get("lift_tests") else None,
        categorical=meta.get("categorical", {}),
        periods=meta.get("periods"),
        geo_name=meta["geo"]["column"] if "geo" in meta else None,
        panel=_panel(meta, const, obs, dates),
        exposure=meta.get("exposure", {}),
        organic=tuple(meta.get("organic", ())),
        paid_spend=_optional(const, PAID_SPEND, (n, len(meta["channels"]))),
        cost_per_unit=meta.get("cost_per_unit", {}),
        revenue_per_kpi=_optional(const, REVENUE_PER_KPI, (n,)),
        calendar=meta.get("calendar", {}),
    )


def _optional(const: xr.Dataset, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
    if name not in const:
        return None
    return np.ascontiguousarray(np.asarray(const[name].values, dtype=float).reshape(shape))


def stacked(ds: xr.Dataset, names: Iterable[str]) -> dict[str, np.ndarray]:
    """Posterior draws as numpy arrays with one leading sample axis (chain x draw)."""
    out = {}
    for name in names:
        if name in ds:
            da = ds[name]
            other = [d for d in da.dims if d not in D.SAMPLE_DIMS]
            da = da.transpose(*D.SAMPLE_DIMS, *other)
            out[name] = np.asarray(da.values, dtype=float).reshape(-1, *da.shape[2:])
    return out


def unstack(values: np.ndarray, template: xr.Dataset, dims: tuple[str, ...], coords: dict):
    """Wrap ``(S, ...)`` values back into a ``(chain, draw, ...)`` DataArray."""
    n_chain, n_draw = template.sizes[D.CHAIN], template.sizes[D.DRAW]
    arr = values.reshape(n_chain, n_draw, *values.shape[1:])
    all_coords = {D.CHAIN: template[D.CHAIN].values, D.DRAW: template[D.DRAW].values, **coords}
    return xr.DataArray(arr, dims=(*D.SAMPLE_DIMS, *dims), coords=all_coords)
