"""The truth of a geo simulation as a one-draw geo fit: true outcomes of plans on regional data
(the geo counterpart of :func:`bayes_mmm.budget.synthetic.truth_fit`)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.data.simulate_geo import GeoSimulation
from bayes_mmm.inference.diagnostics import Diagnostics
from bayes_mmm.inference.fit import MMMFit, assemble
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import resolve_priors
from bayes_mmm.model.geo import GeoScales
from bayes_mmm.model.spec import ModelSpec


def geo_truth_fit(sim: GeoSimulation, spec: ModelSpec | None = None) -> MMMFit:
    """The simulation's true media (shared shapes, each geo's ROI) as a one-draw geo fit.

    Only the media part is true (the baseline is each geo's mean outcome, flat): use it for
    incremental outcomes of plans, not for total outcomes. The simulator measures spend per
    unit of ``population / 1e5`` over the mean spend; the model per unit of its geo size over
    the on-week mean spend per unit of size: parameters measured in spend are converted."""
    t = sim.truth
    if t.media_params_geo is not None:
        raise ValueError("geo_truth_fit: shapes varying by geo are not supported")
    spec = spec or ModelSpec(l_max=t.l_max, adstock=t.adstock, saturation=t.saturation)
    if spec.l_max != t.l_max:
        raise ValueError(f"spec.l_max {spec.l_max} differs from the simulation's {t.l_max}")
    data = sim.to_data()
    scales = GeoScales.from_data(data)
    unit_sim = data.geo_spend.mean(axis=(0, 1))
    k = t.population.mean() * unit_sim / (100_000.0 * scales.spend)  # x_model / x_sim
    geo, ch = (D.CHAIN, D.DRAW, D.GEO), (D.CHAIN, D.DRAW, D.CHANNEL)
    values = {
        p.name: (ch, np.asarray(t.media_params[p.name]) * k**p.spend_power)
        for p in spec.media_params
    }
    values |= {
        D.ROI: (ch, np.asarray(t.roi)),
        D.ROI_GEO: ((*geo, D.CHANNEL), np.asarray(t.roi_geo)),
        D.INTERCEPT: (geo, np.ones(data.n_geos)),
        D.SIGMA: ((D.CHAIN, D.DRAW), np.asarray(0.05)),
    }
    coords = {D.CHAIN: [0], D.DRAW: [0], D.GEO: list(data.geos), D.CHANNEL: list(data.channels)}
    posterior = xr.Dataset(
        {k: (dims, np.asarray(v, dtype=float)[None, None]) for k, (dims, v) in values.items()},
        coords=coords,
    )
    stats = xr.Dataset({"diverging": ((D.CHAIN, D.DRAW), np.zeros((1, 1), dtype=bool))},
                       coords={D.CHAIN: [0], D.DRAW: [0]})  # fmt: skip
    nan = float("nan")
    diag = Diagnostics(nan, nan, 0, nan, 0.0, chains=1, draws=1, sampler="synthetic")
    return assemble(posterior, stats, data, spec, resolve_priors(data, spec), diag)
