"""Budget decisions on geo fits: national channel totals split over geos (the sum of each
geo's curve) and ``by_geo`` over geo x channel cells with bounds per cell, checked against
the geo forward model and, on simulated data, against the known truth."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis.geo import geo_forward, geo_summaries
from bayes_mmm.budget import optimize
from bayes_mmm.budget.geo import GeoAllocator, geo_scenario, parse_geo_bound, read_bounds_file
from bayes_mmm.budget.geo_response import geo_current, geo_response, geo_shares
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.cli import main
from bayes_mmm.io import save
from bayes_mmm.model.forward import BETA

H = 8


@pytest.fixture(scope="module")
def geo_fit():
    # the shapes of tests/test_geo_model.py's fit: the compiled model is reused
    sim = bm.simulate(n_weeks=60, n_geos=3, channels=("tv", "search", "social"), seed=4)
    with warnings.catch_warnings():  # short chains: plumbing, not health
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(sim.to_data(), chains=2, draws=60, tune=80, seed=3, progress=False)


def _forward_increment(fit, cells: np.ndarray) -> np.ndarray:
    """``(S, geo x channel)`` incremental outcome of flat weekly spend ``cells / H`` over H
    periods, from the geo forward model (history and carryover included)."""
    data, lag = fit.data, fit.spec.carryover_weeks
    fwd = geo_forward(fit.posterior, data, fit.spec)
    beta = fit.draws(BETA)[BETA]
    plan = np.zeros((data.n_geos, H + lag, data.n_channels))
    plan[:, :H] = cells[:, None, :] / H
    hist = data.geo_spend[:, data.n_dates - lag :]
    with_plan = fwd.media(np.concatenate([hist, plan], axis=1), beta)[:, :, lag:].sum(axis=2)
    without = fwd.media(np.concatenate([hist, 0 * plan], axis=1), beta)[:, :, lag:].sum(axis=2)
    return (with_plan - without).reshape(len(beta), -1)


def test_cell_response_is_the_geo_forward_model(geo_fit):
    rng = np.random.default_rng(0)
    cur = geo_current(geo_fit, H)
    for cells in (cur, cur * rng.uniform(0, 3, size=cur.shape)):
        got = geo_response(geo_fit, H).incremental(cells.ravel())
        ref = _forward_increment(geo_fit, cells)
        assert np.allclose(got, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_national_plan_is_the_sum_of_geo_curves_at_recent_shares(geo_fit):
    alloc = GeoAllocator(geo_fit, H)
    share = geo_shares(geo_fit, H)
    assert np.allclose(share.sum(axis=0), 1.0)
    assert np.allclose(alloc.cell_totals(alloc.current), geo_current(geo_fit, H))
    total = alloc.current * np.array([1.5, 0.5, 1.0])
    by_geo = _forward_increment(geo_fit, share * total[None, :]).reshape(-1, 3, 3).sum(axis=1)
    assert np.allclose(alloc.resp.incremental(total), by_geo, rtol=1e-9)
    _, grad = alloc.resp.incremental_and_grad(total)  # gradient: finite differences
    eps = 1e-4 * total
    for c in range(3):
        step = np.zeros(3)
        step[c] = eps[c]
        fd = (alloc.resp.incremental(total + step) - alloc.resp.incremental(total - step)) / (
            2 * eps[c]
        )
        assert np.allclose(grad[:, c], fd[:, c], rtol=1e-4, atol=1e-8)


def test_optimize_on_a_geo_fit_national_and_by_geo_with_cell_bounds(geo_fit):
    nat = optimize(geo_fit, H)  # national by default
    assert not nat.by_geo and nat.success
    rows = nat.table[nat.table.geo != "national"]
    split = rows.pivot(index="geo", columns="channel", values="recommended_spend")
    rec = nat.table[nat.table.geo == "national"].set_index("channel").recommended_spend
    share = geo_shares(geo_fit, H)
    assert np.allclose(split[list(rec.index)].to_numpy(), share * rec.to_numpy()[None, :])
    bounds = {"geo01/tv": (0.0, 10.0), "search": (None, None)}
    cell = optimize(geo_fit, H, by_geo=True, bounds=bounds, max_change={"social": 0.2})
    t = cell.table.set_index(["geo", "channel"])
    assert t.loc[("geo01", "tv"), "recommended_spend"] <= 10.0 + 1e-9
    social = t.xs("social", level="channel").drop("national")
    assert (social.recommended_spend <= 1.2 * social.current_spend + 1e-6).all()
    assert (social.recommended_spend >= 0.8 * social.current_spend - 1e-6).all()
    assert abs(cell.budget - nat.budget) < 1e-6 * nat.budget  # same total budget
    free = optimize(geo_fit, H, by_geo=True)  # the national optimum is a by-geo plan too
    national_mean = nat.outcome.set_index("plan").loc["recommended", "incremental_mean"]
    by_geo_mean = free.outcome.set_index("plan").loc["recommended", "incremental_mean"]
    assert by_geo_mean >= national_mean * (1 - 1e-6)
    with pytest.raises(ValueError, match="names no paid channel and no GEO/CHANNEL cell"):
        optimize(geo_fit, H, by_geo=True, bounds={"geo09/tv": (0, 1)})
    risk = optimize(geo_fit, H, by_geo=True, objective="cvar:0.2")
    assert risk.outcome.objective.iloc[1] >= risk.outcome.objective.iloc[0] - 1e-6


def test_geo_bounds_syntax_and_scenario(geo_fit, tmp_path):
    cur = geo_current(geo_fit, H)
    geos, chans = list(geo_fit.data.geos), list(geo_fit.data.channels)
    one = parse_geo_bound("geo02/search=-50%:", geos, chans, cur)
    assert one == {"geo02/search": (pytest.approx(0.5 * cur[2, 1]), None)}
    every = parse_geo_bound("tv=100:200", geos, chans, cur)
    assert set(every) == {"geo00/tv", "geo01/tv", "geo02/tv"}
    path = tmp_path / "bounds.csv"
    path.write_text("geo,channel,lower,upper\ngeo00,tv,1,2\n,social,-10%,+10%\nnowhere,tv,1,2\n")
    with pytest.raises(ValueError, match="line 4: 'nowhere/tv' names no paid channel"):
        read_bounds_file(path, geos, chans, cur)
    table = geo_scenario(geo_fit, H, {"tv": 2.0, "geo01/search": 0.0})
    nat = table[table.geo == "national"].set_index("channel")
    assert nat.loc["tv", "spend"] == pytest.approx(2 * nat.loc["tv", "current_spend"])
    assert (table[table.channel == "tv"].vs_current_mean >= 0).all()
    g1 = table[(table.geo == "geo01") & (table.channel == "search")].iloc[0]
    assert g1.spend == 0 and g1.vs_current_mean < 0 and g1.prob_positive == 0
    with pytest.raises(ValueError, match="weekly plans of a geo fit"):
        bm.budget.scenario(geo_fit, scale={"tv": 1.1}, horizon=H)
    with pytest.raises(ValueError, match="plans national fits; on a geo fit use optimize"):
        Allocator(geo_fit, H)  # the frontier takes geo fits (tests/test_geo_budget_outputs.py)


def test_cli_optimize_by_geo_and_scenario_on_a_geo_fit(geo_fit, tmp_path):
    model = tmp_path / "model.nc"
    save(geo_fit, model)
    bounds = tmp_path / "b.csv"
    bounds.write_text("geo,channel,lower,upper\ngeo00,tv,0,50\n")
    out = tmp_path / "opt"
    args = ["optimize", str(model), "--horizon", str(H), "--by-geo", "--bounds-file",
            str(bounds), "--bound", "geo02/social=-10%:+10%", "--out", str(out),
            "--quiet"]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out / "allocation.csv")
    assert table.geo.iloc[0] == "national" and set(table.geo) == {"national", *geo_fit.data.geos}
    row = table[(table.geo == "geo00") & (table.channel == "tv")].iloc[0]
    assert row.recommended_spend <= 50 + 1e-6 and row.upper_bound == 50
    assert (out / "outcome.csv").exists() and (out / "optimize.json").exists()
    assert (out / "plots" / "allocation.png").exists() and (out / "plots" / "outcome.png").exists()
    page = (out / "report.html").read_text()  # the geo report with this plan
    shown = re.findall(r'<tr data-geo="(\w+)" data-channel="(\w+)">.*?data-field='
                       r'"recommended_outcome_mean" data-value="([^"]+)"', page, re.S)  # fmt: skip
    cells = table[table.geo != "national"].set_index(["geo", "channel"])
    assert len(shown) == len(cells) == 9
    for geo, channel, value in shown:
        expected = cells.loc[(geo, channel), "recommended_outcome_mean"]
        assert float(value) == pytest.approx(expected, abs=1e-3)
    outcome = pd.read_csv(out / "outcome.csv").set_index("plan")["incremental_mean"]
    gain = pd.read_csv(out / "outcome.csv").set_index("plan").loc["recommended", "vs_current_mean"]
    assert gain == pytest.approx(outcome["recommended"] - outcome["current"], rel=1e-6)
    scen = tmp_path / "scen"
    args = ["scenario", str(model), "--horizon", str(H), "--scale", "geo00/tv=1.5",
            "--out", str(scen), "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert "vs_current_mean" in pd.read_csv(scen / "scenario.csv").columns


def test_python_report_and_national_figures_of_a_geo_fit(geo_fit, tmp_path):
    path = bm.report(geo_fit, tmp_path / "r.html", horizon=H)  # with a plan: the geo report
    page = path.read_text()
    assert 'id="budget"' in page and 'id="geo-plan-table"' in page and 'id="contributions"' in page
    fig = bm.plot_contributions(geo_fit)  # the national figure, summed over the geos
    stack = fig.axes[0].collections[-1].get_paths()[0].vertices[:, 1]  # top layer's edges
    fitted = geo_summaries(geo_fit).fitted["mean"].sel(geo="national").values
    assert stack.max() == pytest.approx(fitted.max(), rel=1e-9)
    geo = bm.plot_geo_contributions(geo_fit, geo="geo01")
    top = geo.axes[0].collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(geo_summaries(geo_fit).fitted["mean"].sel(geo="geo01").max())
    assert bm.plot_roi(geo_fit).axes[0].get_title() == "tv"  # the per-geo ROI figure
    a = bm.analyse(geo_fit)  # a GeoAnalysis: the same numbers, computed once
    assert isinstance(a, bm.GeoAnalysis)
    pd.testing.assert_frame_equal(a.roi_table, bm.roi_table(geo_fit))
    pd.testing.assert_frame_equal(a.fit_quality, bm.geo_fit_quality(geo_fit))
    again = bm.plot_contributions(a).axes[0].collections[-1].get_paths()[0].vertices[:, 1]
    np.testing.assert_allclose(again, stack)
    with pytest.raises(ValueError, match="geo 'nowhere' is not in the fit"):
        bm.plot_geo_contributions(geo_fit, geo="nowhere")


# ---- known truth ----------------------------------------------------------------------------
def _true_increment(sim, cells: np.ndarray, horizon: int) -> np.ndarray:
    """``(geo, channel)`` TRUE incremental outcome of flat spend ``cells / horizon`` per
    period after the data (the simulator's generative model, carryover in and out)."""
    beta, h, n_lags = sim.media_model()
    spend = sim.to_data().geo_spend
    plan = np.zeros((spend.shape[0], horizon + n_lags, spend.shape[2]))
    plan[:, :horizon] = cells[:, None, :] / horizon
    full, zero = np.concatenate([spend, plan], 1), np.concatenate([spend, 0 * plan], 1)
    n = spend.shape[1]
    return beta * (h(full)[:, n:] - h(zero)[:, n:]).sum(axis=1)


@pytest.mark.slow
def test_by_geo_plan_moves_budget_to_cells_with_higher_true_marginal_roi():
    sim = bm.simulate(n_geos=4, n_weeks=104, channels=("tv", "search", "social"),
                      roi=[1.5, 1.5, 1.5], roi_geo_sd=0.6, noise=0.03, seed=11)  # fmt: skip
    fit = bm.fit(sim.to_data(), chains=2, draws=300, tune=400, seed=5, progress=False)
    assert fit.diagnostics.divergences == 0
    horizon = 13
    cur = geo_current(fit, horizon)
    by_geo = optimize(fit, horizon, by_geo=True, max_change=0.5)
    national = optimize(fit, horizon, max_change=0.5)  # the same bounds: a feasible by-geo plan
    rec = (
        by_geo.table[by_geo.table.geo != "national"]
        .pivot(index="geo", columns="channel", values="recommended_spend")
        .loc[list(fit.data.geos), list(fit.data.channels)]
        .to_numpy()
    )
    # the truth: marginal ROI of every cell at the current plan (finite differences)
    eps = 0.01 * cur
    true_mroi = (
        _true_increment(sim, cur + eps, horizon) - _true_increment(sim, cur - eps, horizon)
    ) / (2 * eps)
    change = rec / cur - 1
    rank = pd.Series(true_mroi.ravel()).corr(pd.Series(change.ravel()), method="spearman")
    assert rank > 0.6, (rank, true_mroi.round(2), change.round(2))
    top, bottom = np.argmax(true_mroi), np.argmin(true_mroi)
    assert change.ravel()[top] > 0.2 and change.ravel()[bottom] < -0.2
    # the plan is better in truth, and no national split beats it in expectation
    true_gain = _true_increment(sim, rec, horizon).sum() - _true_increment(sim, cur, horizon).sum()
    assert true_gain > 0
    out = {a.by_geo: a.outcome.set_index("plan").loc["recommended"] for a in (by_geo, national)}
    assert out[False].incremental_mean <= out[True].incremental_mean * (1 + 1e-6)
