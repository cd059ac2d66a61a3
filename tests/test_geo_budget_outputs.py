"""The budget outputs of a geo fit: optimize's weekly plan per geo (plan.csv) and efficient
frontier (frontier.csv, plots/frontier.png), ``scenario --plan`` on such a plan (round trip
to optimize's outcome) with its checks, and ``scenario --what-if``. The data are a user's
table: geos in a ``region`` column (Lyon, Nice, Paris), dates in a ``week`` column."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis.geo import geo_forward
from bayes_mmm.budget.geo import geo_scenario
from bayes_mmm.budget.geo_plan import read_geo_plan
from bayes_mmm.budget.geo_response import geo_current
from bayes_mmm.budget.geo_scenario import plan_scenario
from bayes_mmm.cli import EXIT_BAD_INPUT, main
from bayes_mmm.cli.budget_args import BY_GEO_FRONTIER_POINTS
from bayes_mmm.io import save
from bayes_mmm.model.forward import BETA

H = 8
CITIES = {"geo00": "Lyon", "geo01": "Nice", "geo02": "Paris"}
CHANNELS = ["tv", "search", "social"]


@pytest.fixture(scope="module")
def geo_fit(tmp_path_factory):
    # the shapes of tests/test_geo_model.py's fit: the compiled model is reused
    sim = bm.simulate(n_weeks=60, n_geos=3, channels=tuple(CHANNELS), seed=4)
    frame = sim.frame.rename(columns={"geo": "region", "date": "week", "sales": "revenue"})
    frame["region"] = frame["region"].map(CITIES)
    path = tmp_path_factory.mktemp("geo") / "regions.csv"
    frame.to_csv(path, index=False)
    data = bm.read_csv(path, date="week", target="revenue", channels=CHANNELS,
                       controls=["promo"], geo="region", population="population")  # fmt: skip
    with warnings.catch_warnings():  # short chains: plumbing, not health
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, chains=2, draws=100, tune=100, seed=3, progress=False)


@pytest.fixture(scope="module")
def model(geo_fit, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.nc"
    save(geo_fit, path)
    return path


@pytest.fixture(scope="module")
def optimized(model, tmp_path_factory):
    """``optimize`` on the geo fit (national channel totals), a 5-point frontier."""
    out = tmp_path_factory.mktemp("opt") / "plan"
    args = ["optimize", str(model), "--horizon", str(H), "--frontier-points", "5",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(args) == 0
    return out


def _cells(allocation: pd.DataFrame) -> pd.Series:
    rows = allocation[allocation.geo != "national"]
    return rows.set_index(["geo", "channel"])["recommended_spend"]


def test_plan_csv_lays_the_allocation_over_the_horizon_per_geo(optimized, geo_fit):
    plan = pd.read_csv(optimized / "plan.csv")
    assert list(plan.columns) == ["region", "week", *CHANNELS]  # the data's own names
    assert list(plan.region.unique()) == list(CITIES.values())
    last = pd.Timestamp(geo_fit.data.dates[-1])
    weeks = [last + pd.Timedelta(weeks=i + 1) for i in range(H)]
    for _, rows in plan.groupby("region"):  # each geo: the H weeks after the data, in order
        assert list(pd.to_datetime(rows.week)) == weeks
    totals = plan.groupby("region").sum(numeric_only=True).stack()
    cells = _cells(pd.read_csv(optimized / "allocation.csv"))
    np.testing.assert_allclose(totals.loc[cells.index], cells, rtol=1e-6, atol=1e-3)
    info = json.loads((optimized / "optimize.json").read_text())
    assert "not_yet_for_geo_fits" not in info


def test_frontier_of_a_geo_fit_rises_with_budget_through_the_recommended_plan(optimized):
    table = pd.read_csv(optimized / "frontier.csv")
    assert list(table.columns[:10]) == ["budget", "objective", "incremental_mean",
                                        "incremental_median", "incremental_lower",
                                        "incremental_upper", "roi_mean", "roi_lower",
                                        "roi_upper", "mroi"]  # fmt: skip
    assert (np.diff(table.budget) > 0).all() and len(table) >= 5
    assert (np.diff(table.incremental_mean) >= -1e-6 * table.incremental_mean.abs().max()).all()
    spend = table[[f"{c}_spend" for c in CHANNELS]].sum(axis=1)
    np.testing.assert_allclose(spend, table.budget, rtol=1e-6)
    rec = pd.read_csv(optimized / "outcome.csv").set_index("plan").loc["recommended"]
    at = table.iloc[(table.budget - rec.total_spend).abs().argmin()]
    assert at.budget == pytest.approx(rec.total_spend, rel=1e-6)
    assert at.incremental_mean == pytest.approx(rec.incremental_mean, rel=1e-4)
    assert (optimized / "plots" / "frontier.png").stat().st_size > 10_000


def test_scenario_of_the_optimized_plan_gives_its_outcome(optimized, model, tmp_path):
    out = tmp_path / "scen"
    args = ["scenario", str(model), "--plan", str(optimized / "plan.csv"), "--out", str(out),
            "--quiet"]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out / "scenario.csv")
    total = table[(table.geo == "national") & (table.channel == "total")].iloc[0]
    rec = pd.read_csv(optimized / "outcome.csv").set_index("plan").loc["recommended"]
    for q in ("incremental_mean", "incremental_lower", "incremental_upper", "vs_current_mean"):
        assert total[q] == pytest.approx(rec[q], rel=1e-7, abs=1e-3), q
    assert total.prob_positive == pytest.approx(rec.p_beats_current)  # the mean objective
    cells = _cells(pd.read_csv(optimized / "allocation.csv"))
    per_geo = table[table.geo != "national"].set_index(["geo", "channel"]).spend
    np.testing.assert_allclose(per_geo.loc[cells.index], cells, rtol=1e-6, atol=1e-3)
    sums = table[table.channel != "total"].groupby("geo", sort=False).incremental_mean.sum()
    totals = table[table.channel == "total"].set_index("geo").incremental_mean
    np.testing.assert_allclose(sums.loc[totals.index], totals, rtol=1e-6)
    pd.testing.assert_frame_equal(pd.read_csv(out / "plan.csv"),
                                  pd.read_csv(optimized / "plan.csv"))  # fmt: skip


def test_a_bad_plan_is_refused_with_every_problem_before_any_work(model, tmp_path, monkeypatch,
                                                                   capsys):  # fmt: skip
    rows = [("Lyon", f"2024-01-{d:02d}", 1.0, 2.0, 3.0) for d in range(1, 4)]
    rows += [("Nice", f"2024-01-{d:02d}", 1.0, "lots", 3.0) for d in range(1, 3)]  # 2 rows
    rows += [("Rome", "2024-01-01", 1.0, 2.0, 3.0)]
    plan = pd.DataFrame(rows, columns=["region", "week", "tv", "search", "radio"])
    path = tmp_path / "plan.csv"
    plan.to_csv(path, index=False)

    def no_work(*args, **kwargs):
        raise AssertionError("a bad plan must be refused before any response is computed")

    monkeypatch.setattr("bayes_mmm.budget.geo_scenario.geo_response", no_work)
    out = tmp_path / "out"
    args = ["scenario", str(model), "--plan", str(path), "--out", str(out), "--quiet"]
    assert main(args) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "missing channel columns ['social']" in err
    assert "unknown columns ['radio']" in err
    assert "unknown geos at line 7 ('Rome')" in err
    assert "geos ['Paris'] have no rows" in err
    assert "geo 'Nice' has 2 rows (lines 5, 6), not 3" in err
    assert "column 'search': spend must be a number >= 0 at lines 5 (Nice) ('lots')" in err
    assert not out.exists()


def test_read_geo_plan_orders_rows_by_date_and_takes_a_geo_column(geo_fit):
    rng = np.random.default_rng(1)
    weekly = rng.uniform(0, 1000, size=(3, 4, 3))
    dates = pd.date_range("2030-01-07", periods=4, freq="7D").strftime("%Y-%m-%d")
    frame = pd.DataFrame(weekly.reshape(12, 3), columns=CHANNELS)
    frame.insert(0, "date", np.tile(dates, 3))
    frame.insert(0, "geo", np.repeat(list(CITIES.values()), 4))
    shuffled = frame.sample(frac=1, random_state=0)  # 'geo', 'date': also accepted
    np.testing.assert_array_equal(read_geo_plan(shuffled, geo_fit), weekly)
    with pytest.raises(ValueError, match=r"not 5 \(--horizon\)"):
        read_geo_plan(frame, geo_fit, horizon=5)
    odd = frame.assign(date=frame.date.where(frame.index != 5, "2031-01-01"))
    with pytest.raises(ValueError, match=r"geos \['Nice'\] have other dates than geo 'Lyon'"):
        read_geo_plan(odd, geo_fit)


def test_a_weekly_plan_is_the_geo_forward_model(geo_fit):
    """A plan that is not flat (each cell its own weekly pattern): the scenario's outcome is
    the forward model's, history and carryover after the plan included."""
    data, lag = geo_fit.data, geo_fit.spec.carryover_weeks
    rng = np.random.default_rng(0)
    weekly = geo_current(geo_fit, H)[:, None, :] / H * rng.uniform(0, 3, size=(3, H, 3))
    weekly[1, :, 2] = 0.0  # a cell with no spend
    table = plan_scenario(geo_fit, weekly)
    fwd, beta = geo_forward(geo_fit.posterior, data, geo_fit.spec), geo_fit.draws(BETA)[BETA]
    hist = data.geo_spend[:, data.n_dates - lag :]
    plan = np.concatenate([weekly, np.zeros((3, lag, 3))], axis=1)
    media = [
        fwd.media(np.concatenate([hist, p], axis=1), beta)[:, :, lag:] for p in (plan, 0 * plan)
    ]
    truth = (media[0] - media[1]).sum(axis=2)  # (S, geo, channel)
    got = table[table.geo != "national"].set_index(["geo", "channel"]).incremental_mean
    for g, geo in enumerate(CITIES.values()):
        for c, channel in enumerate(CHANNELS):
            assert got[(geo, channel)] == pytest.approx(truth[:, g, c].mean(), rel=1e-9, abs=1e-9)
    nat = table[(table.geo == "national") & (table.channel == "total")].iloc[0]
    assert nat.incremental_mean == pytest.approx(truth.sum(axis=(1, 2)).mean(), rel=1e-9)
    assert nat.spend == pytest.approx(weekly.sum())


def test_what_ifs_change_each_channel_nationally_at_the_current_split(model, geo_fit, tmp_path):
    out = tmp_path / "wi"
    args = ["scenario", str(model), "--what-if", "0.2", "--horizon", str(H), "--out", str(out),
            "--quiet"]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out / "what_ifs.csv")
    assert list(table.columns) == ["channel", "change", "spend_change", "mean", "median", "lower",
                                   "upper", "prob_positive", "marginal_roi"]  # fmt: skip
    assert len(table) == 2 * len(CHANNELS)
    current = geo_current(geo_fit, H).sum(axis=0)
    for c, channel in enumerate(CHANNELS):
        rows = table[table.channel == channel].set_index("change")
        assert rows.loc[-0.2, "spend_change"] == pytest.approx(-0.2 * current[c], abs=1e-3)
        scaled = geo_scenario(geo_fit, H, {channel: 1.2})  # the same change, another path
        gain = scaled[(scaled.geo == "national") & (scaled.channel == "total")].vs_current_mean
        assert rows.loc[0.2, "mean"] == pytest.approx(gain.iloc[0], rel=1e-6, abs=1e-3)
        assert rows.loc[0.2, "mean"] > 0 > rows.loc[-0.2, "mean"]


def test_by_geo_frontier_lists_each_cell_and_the_scale_scenario_writes_its_plan(model, tmp_path):
    out = tmp_path / "by_geo"
    args = ["optimize", str(model), "--horizon", str(H), "--by-geo", "--no-report",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(out / "frontier.csv")
    assert len(table) == BY_GEO_FRONTIER_POINTS + 1  # fewer by default: and the current budget
    for channel in CHANNELS:
        cells = table[[f"{g}/{channel}_spend" for g in CITIES.values()]].sum(axis=1)
        np.testing.assert_allclose(cells, table[f"{channel}_spend"], rtol=1e-6, atol=1e-3)
    assert (np.diff(table.incremental_mean) >= 0).all()
    scen = tmp_path / "scale"
    args = ["scenario", str(model), "--scale", "Nice/tv=2", "--horizon", str(H), "--out",
            str(scen), "--quiet"]  # fmt: skip
    assert main(args) == 0
    plan = pd.read_csv(scen / "plan.csv").set_index(["region", "week"])
    table = pd.read_csv(scen / "scenario.csv").set_index(["geo", "channel"])
    assert plan.loc["Nice", "tv"].sum() == pytest.approx(table.loc[("Nice", "tv"), "spend"])
    assert table.loc[("Nice", "tv"), "spend"] == pytest.approx(
        2 * table.loc[("Nice", "tv"), "current_spend"], rel=1e-6
    )


def test_budget_for_target_on_a_geo_fit_is_the_least_budget_reaching_it(geo_fit):
    table = bm.budget.frontier(geo_fit, H, n_points=4)  # national totals split over geos
    goal = float(table.incremental_mean.iloc[1])
    alloc = bm.budget.budget_for_target(geo_fit, H, outcome=goal)
    rec = alloc.outcome.set_index("plan").loc["recommended"]
    assert rec.incremental_mean >= goal * (1 - 1e-6)
    assert alloc.budget == pytest.approx(table.budget.iloc[1], rel=0.01)
    assert alloc.weekly["recommended"].sum() == pytest.approx(alloc.budget)
