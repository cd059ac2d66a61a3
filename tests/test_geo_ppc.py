"""The posterior predictive check figure of a geo fit (``bm.plot_ppc`` of a geo fit,
``plots/ppc.png``): its national panel is the sum over the geos, its grid the p-values of
``GeoAnalysis.ppc``, and a geo with an event the model lacks is marked where the simulator's
own model is not."""

from __future__ import annotations

import base64
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle, StepPatch

import bayes_mmm as bm
from bayes_mmm.analysis.geo_checks import REPLICATES
from bayes_mmm.data.dataset import from_frame
from bayes_mmm.export_geo import write_geo_outputs
from bayes_mmm.plots.geo import EXTREME, plot_geo_ppc

CHANNELS = ["tv", "search", "social"]
CITIES = {"geo00": "Akron", "geo01": "Boise", "geo02": "Chico"}  # a user's labels
EVENT_GEO = "Boise"


@pytest.fixture(scope="module")
def sim():
    # the shapes of tests/test_geo_model.py's fit: the compiled model is reused
    return bm.simulate(n_weeks=60, n_geos=3, channels=CHANNELS, seed=4)


@pytest.fixture(scope="module")
def table(sim) -> pd.DataFrame:
    """The simulated rows as a user's file has them: dma, week_start, orders."""
    frame = sim.frame.rename(columns={"geo": "dma", "date": "week_start", "sales": "orders"})
    return frame.assign(dma=frame["dma"].map(CITIES))


def _analysed(frame) -> bm.GeoAnalysis:
    data = from_frame(frame, geo="dma", date="week_start", target="orders", channels=CHANNELS,
                      controls=["promo"], population="population")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)  # short chains
        fit = bm.fit(data, chains=2, draws=200, tune=200, seed=3, progress=False)
    return bm.analyse(fit)


@pytest.fixture(scope="module")
def well(table) -> bm.GeoAnalysis:
    """The simulator's own model fitted to its data."""
    return _analysed(table)


@pytest.fixture(scope="module")
def event(table) -> bm.GeoAnalysis:
    """The same data with a one-week event in one geo (+60% of its mean outcome, ~12 noise
    sd, in a week without promo): nothing in the model makes such a week."""
    frame = table.copy()
    weeks = frame.index[(frame.dma == EVENT_GEO) & (frame.promo == 0)]
    frame.loc[weeks[25], "orders"] += 0.6 * frame.loc[frame.dma == EVENT_GEO, "orders"].mean()
    return _analysed(frame)


def _grid(fig) -> dict[tuple[str, str], float]:
    """The p-value grid as drawn: (row label, column label) -> cell value."""
    ax = fig.axes[1]
    values = np.ma.getdata(ax.images[0].get_array())
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert values.shape == (len(rows), len(cols))
    return {(r, c): float(values[i, j]) for i, r in enumerate(rows) for j, c in enumerate(cols)}


def _boxed(fig) -> set[tuple[str, str]]:
    """The grid cells drawn with a box around them."""
    ax = fig.axes[1]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    return {(rows[round(b.get_y() + 0.5)], cols[round(b.get_x() + 0.5)]) for b in boxes}


def test_national_panel_is_the_sum_of_the_geos_and_its_replicates(well, table):
    fig = bm.plot_ppc(well)  # a GeoAnalysis: drawn from what it computed
    patches = {p.get_label(): p for p in fig.axes[0].patches if isinstance(p, StepPatch)}
    values, edges = patches["actual"].get_data()[:2]
    national = table.groupby("week_start")["orders"].sum().to_numpy()  # the user's rows, summed
    np.testing.assert_allclose(values, np.histogram(national, edges, density=True)[0])
    one_geo = table[table.dma == "Akron"]["orders"].to_numpy()
    assert not np.allclose(values, np.histogram(one_geo, edges, density=True)[0])
    reps = well.national_replicates
    assert reps.shape == (min(REPLICATES, 400), 60)
    density = np.stack([np.histogram(r, edges)[0] for r in reps]) / (60 * np.diff(edges))
    np.testing.assert_allclose(patches["replicated, mean"].get_data()[0], density.mean(axis=0))
    # national replicated series: their spread is the national row's replicated sd
    sd = well.ppc.set_index(["geo", "statistic"]).loc[("national", "sd")]
    inside = (reps.std(axis=1) >= sd.replicated_lower) & (reps.std(axis=1) <= sd.replicated_upper)
    assert inside.mean() > 0.75
    again = bm.plot_ppc(well.fit)  # a geo fit: no longer refused
    assert _grid(again) == _grid(fig)


def test_grid_is_the_ppc_table_national_first_then_geos_by_size(well):
    fig = well.figure("plot_geo_ppc")
    table = well.ppc.set_index(["geo", "statistic"])["p_value"]
    grid = _grid(fig)
    assert set(grid) == set(table.index)
    for cell, p in grid.items():
        assert p == pytest.approx(table[cell], abs=1e-12), cell
    data = well.fit.data
    by_size = [data.geos[i] for i in np.argsort(-data.geo_target.sum(axis=1))]
    rows = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert rows == ["national", *by_size]
    assert _boxed(fig) == {cell for cell, p in grid.items() if not EXTREME <= p <= 1 - EXTREME}
    capped = plot_geo_ppc(well.fit, ppc=well.ppc, replicates=well.national_replicates,
                          max_geos=2)  # fmt: skip
    assert [t.get_text() for t in capped.axes[1].get_yticklabels()] == ["national", *by_size[:2]]
    assert "the 2 largest of 3 geos" in capped.axes[1].get_title()


@pytest.mark.parametrize(("p", "boxed"), [(0.0, True), (0.004, True), (0.049, True),
                                          (0.05, False), (0.5, False), (0.95, False),
                                          (0.951, True), (1.0, True)])  # fmt: skip
def test_p_values_beyond_the_band_are_boxed_and_counted(well, p, boxed):
    table = well.ppc.copy()
    cell = (table.geo == EVENT_GEO) & (table.statistic == "sd")
    table.loc[cell, "p_value"] = p
    table.loc[~cell, "p_value"] = 0.5
    fig = plot_geo_ppc(well.fit, ppc=table, replicates=well.national_replicates)
    assert _boxed(fig) == ({(EVENT_GEO, "sd")} if boxed else set())
    assert f"{int(boxed)} of 15 geo cells" in fig.axes[1].get_title()


def test_an_event_the_model_lacks_is_marked_in_its_geo_only(well, event):
    flagged = _boxed(event.figure("plot_geo_ppc"))
    assert (EVENT_GEO, "max") in flagged  # the week is far above every replicated maximum
    assert _grid(event.figure("plot_geo_ppc"))[(EVENT_GEO, "max")] < 0.01
    clean = _grid(well.figure("plot_geo_ppc"))
    assert EXTREME < clean[(EVENT_GEO, "max")] < 1 - EXTREME  # the well-specified fit: not
    assert (EVENT_GEO, "max") not in _boxed(well.figure("plot_geo_ppc"))
    geo_cells = [p for (geo, _), p in clean.items() if geo != "national"]
    extreme = [p for p in geo_cells if not EXTREME <= p <= 1 - EXTREME]
    assert len(extreme) <= 3, clean  # ~10% of 15 by chance
    other = {geo for geo, stat in flagged if stat == "max" and geo != "national"}
    assert other == {EVENT_GEO}  # the other geos' maxima are reproduced


def test_geo_outputs_write_ppc_png_and_the_report_shows_it(well, tmp_path):
    write_geo_outputs(well.fit, tmp_path, progress=False)
    png = (tmp_path / "plots" / "ppc.png").read_bytes()
    assert len(png) > 10_000
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    fit_section = re.search(r'<section id="fit">(.*?)</section>', page, re.S).group(1)
    assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in fit_section
    assert "Posterior predictive check" in fit_section
