"""bm.simulate(..., n_geos=G): geo data with known per-geo truth, consistent with itself."""

from __future__ import annotations

import numpy as np

import bayes_mmm as bm
from bayes_mmm.data.simulate_geo import GeoSimulation


def test_geo_simulation_truth_is_consistent():
    sim = bm.simulate(n_weeks=52, n_geos=5, seed=3, roi_geo_sd=0.3)
    assert isinstance(sim, GeoSimulation)
    truth, frame = sim.truth, sim.frame
    assert len(frame) == 5 * 52 and frame.geo.nunique() == 5
    contrib = truth.contributions
    spend = frame.groupby("geo")[sim.channels].sum()
    media = contrib.groupby("geo")[sim.channels].sum()
    np.testing.assert_allclose((media / spend).to_numpy(), truth.roi_geo, rtol=1e-10)
    national = media.sum() / spend.sum()
    np.testing.assert_allclose(national.to_numpy(), truth.roi, rtol=1e-10)
    # the outcome is the sum of the true components plus noise of a few percent
    y = frame.set_index(["geo", "date"]).sales
    total = contrib.set_index(["geo", "date"]).sum(axis=1)
    assert np.abs(y / total - 1).median() < 0.1
    # geos differ in size and ROI around the national one
    assert truth.population.std() > 0 and truth.roi_geo.std(axis=0).min() > 0
    table = truth.roi_table()
    assert table.geo.iloc[0] == "national" and len(table) == 6 * 4


def test_geo_simulation_reads_back_and_aggregates():
    sim = bm.simulate(n_weeks=40, n_geos=3, seed=1)
    data = sim.to_data(min_rows=10)
    assert data.geos == ("geo00", "geo01", "geo02")
    nat = sim.national_frame()
    np.testing.assert_allclose(nat.sales.to_numpy(), data.target)
    np.testing.assert_allclose(nat[sim.channels].to_numpy(), data.spend)
    again = bm.simulate(n_weeks=40, n_geos=3, seed=1)
    assert again.frame.equals(sim.frame)
