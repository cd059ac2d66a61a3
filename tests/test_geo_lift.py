"""Lift tests on geo data: a test run in some geos (the file's ``geo`` column) is read and
checked; its likelihood term equals its numpy twin (spend paths through the geo forward
model) with shared and with per-geo shapes; and (slow) a go-dark test in two geos, with the
true lift, narrows the tested channel's ROI and keeps the truth inside."""

from __future__ import annotations

import re
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytensor
import pytest

import bayes_mmm as bm
from bayes_mmm.data.dataset import from_frame
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.check import held_out_gains, split_chains
from bayes_mmm.experiments.window import geo_window_lift
from bayes_mmm.model import dims as D
from bayes_mmm.model.geo import GeoScales

CH = ("tv", "search", "social")
TESTS = pd.DataFrame(
    {
        "channel": ["tv", "search", "social"],
        "spend": [3000.0, 2000.0, 1500.0],
        "delta_spend": [-3000.0, 1000.0, -1500.0],
        "lift": [-20000.0, 5000.0, -8000.0],
        "sigma": [3000.0, 2000.0, 2000.0],
        "weeks": [4, 3, 2],
        "carryover_weeks": [2, 0, 3],
        "geo": ["geo00+geo01", "geo02", ""],  # two geos, one, every geo (a national test)
    }
)


@pytest.fixture(scope="module")
def geo_data():
    # the shapes of tests/test_geo_model.py's fit
    return bm.simulate(n_weeks=60, n_geos=3, channels=CH, seed=4).to_data()


def test_geo_column_is_read_and_checked(geo_data):
    tests = geo_data.with_lift_tests(TESTS).lift_tests
    assert tests.geo == ("geo00+geo01", "geo02", "")
    assert tests.geos_of(0, geo_data.geos) == ["geo00", "geo01"]
    assert tests.geos_of(2, geo_data.geos) == list(geo_data.geos)
    assert LiftTests.from_records(tests.to_records()).geo == tests.geo  # kept in model files
    bad = TESTS.assign(geo=["geo00+nowhere", "geo02", ""], weeks=[4, np.nan, 2])
    with pytest.raises(bm.DataValidationError) as err:
        geo_data.with_lift_tests(bad)
    problems = err.value.problems  # every problem at once, naming rows and values
    assert any("names geos not in the data in row 0 ('geo00+nowhere')" in p for p in problems)
    assert any("must be windowed" in p and "row 1" in p for p in problems)
    frame = bm.simulate(n_weeks=60, n_geos=3, channels=CH, seed=4).frame
    frame.loc[frame.geo == "geo02", "search"] = 0.0  # search never spends in geo02
    with pytest.warns(UserWarning, match="'search' never spends in geo"):  # allowed in data
        no_search = from_frame(
            frame,
            geo="geo",
            date="date",
            target="sales",
            channels=list(CH),
            controls=["promo"],
            population="population",
        )
    with pytest.raises(bm.DataValidationError, match=r"row 1: channel 'search' never spends "
                       r"in geo02"):  # fmt: skip
        no_search.with_lift_tests(TESTS)
    designs = pd.DataFrame({"channel": ["search", "tv"], "change": ["go_dark", "sideways"],
                            "weeks": 4, "geo": ["geo02", ""]})  # fmt: skip
    with pytest.raises(bm.DataValidationError) as err:  # both problems, before any work
        candidate_tests(SimpleNamespace(data=no_search), designs)
    assert "no spend in the last 13 periods to change in rows 0 (search in geo02)" in str(err.value)
    assert "'change' is not go_dark, +/-N% or a number in rows [1]" in str(err.value)
    national = bm.simulate(60, CH, seed=1).to_data()
    with pytest.raises(bm.DataValidationError, match=r"rows 0 \('geo00\+geo01'\), 1 \('geo02'\)"):
        national.with_lift_tests(TESTS)  # geos named, but the data have none


@pytest.mark.parametrize("shapes", ["shared", "pooled"])
def test_model_term_equals_the_geo_forward_model(geo_data, shapes):
    """The graph's mean of each test at posterior draws, in the tested geos' outcome, equals
    the geo forward model's lift along the two spend paths summed over the tested geos."""
    data = geo_data.with_lift_tests(TESTS)
    with warnings.catch_warnings():  # short chains: plumbing, not health
        warnings.simplefilter("ignore", bm.SamplingWarning)
        fit = bm.fit(data, spec=bm.ModelSpec(geo_shapes=shapes), chains=2, draws=40, tune=60,
                     seed=3, progress=False)  # fmt: skip
    model = fit.model()
    node = model[D.WINDOW_OBS].owner
    fn = pytensor.function(model.free_RVs, node.op.dist_params(node)[0], on_unused_input="ignore")
    names = [rv.name for rv in model.free_RVs]
    draws = fit.draws(*names)
    target = GeoScales.from_data(data).target  # each geo's outcome scale
    scale = np.array([target[[0, 1]].sum(), target[2], target.sum()])
    lift = geo_window_lift(fit, data.lift_tests)
    for s in (0, 41, 79):
        np.testing.assert_allclose(fn(*[draws[n][s] for n in names]) * scale, lift[s], rtol=1e-9)
    assert (lift[:, [0, 2]] < 0).all() and (lift[:, 1] > 0).all()
    shown = bm.lift_draws(fit).stack(s=D.SAMPLE_DIMS).transpose("s", ...).values
    np.testing.assert_allclose(shown, lift, rtol=1e-12)


def test_simulators_true_lift_is_its_own_media_model():
    """The truth the tests below are scored against: ``media_model`` reproduces the
    simulation's recorded contributions, and ``true_lift`` of a go-dark test in one geo is
    that geo's contribution lost (by hand: the channel off for the window, history kept)."""
    sim = bm.simulate(n_weeks=60, n_geos=3, channels=CH, seed=4)
    beta, h, n_lags = sim.media_model()
    spend = sim.to_data().geo_spend
    recorded = sim.truth.contributions.sort_values(["geo", "date"])[list(CH)].to_numpy()
    np.testing.assert_allclose((beta[:, None, :] * h(spend)).reshape(-1, 3), recorded, rtol=1e-9)
    x0 = spend[1, :, 0].mean()  # tv in geo01 at its mean weekly spend, dark for 3 weeks
    test = pd.DataFrame({"channel": "tv", "spend": x0, "delta_spend": -x0, "weeks": 3,
                         "carryover_weeks": 5, "geo": "geo01"}, index=[0])  # fmt: skip
    steady = np.zeros((3, n_lags + 8, 3))
    steady[1, :, 0] = x0
    dark = steady.copy()
    dark[1, n_lags : n_lags + 3, 0] = 0.0
    by_hand = beta[1, 0] * (h(dark) - h(steady))[1, n_lags:, 0].sum()
    assert sim.true_lift(test)[0] == pytest.approx(by_hand, rel=1e-12) and by_hand < 0


@pytest.mark.slow
def test_geo_go_dark_test_narrows_the_tested_channels_roi():
    """tv goes dark for 4 weeks in geo00 and geo01, measured with 4 weeks of carryover, its
    true lift known to 5%. Measured (2 x 300 draws, 0 divergences), true national tv ROI
    1.68: 90% interval [0.98, 3.49] without the test, [1.17, 2.12] with it. The same lift
    read as if measured in the other two geos gives [1.86, 4.07], read nationally [1.14,
    1.42]: both miss the truth, so the test's geos and spend split are what inform it."""
    sim = bm.simulate(n_geos=4, n_weeks=104, channels=CH, seed=7)
    spend = sim.frame[sim.frame.geo.isin(["geo00", "geo01"])].groupby("geo")["tv"].mean().sum()
    test = pd.DataFrame({"channel": "tv", "spend": spend, "delta_spend": -spend, "weeks": 4,
                         "carryover_weeks": 4, "geo": "geo00+geo01"}, index=[0])  # fmt: skip
    lift = sim.true_lift(test)[0]
    test = test.assign(lift=lift, sigma=0.05 * abs(lift))
    true_roi = float(sim.truth.roi[0])
    width, inside = {}, {}
    for name, tests in (("none", None), ("test", test)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bm.SamplingWarning)
            fit = bm.fit(sim.to_data().with_lift_tests(tests), chains=2, draws=300, tune=300,
                         seed=1, progress=False)  # fmt: skip
        roi = bm.roi_draws(fit, geo="national").sel(channel="tv").values.ravel()
        lo, hi = np.quantile(roi, [0.05, 0.95])
        width[name], inside[name] = hi - lo, lo < true_roi < hi
    assert width["test"] < 0.6 * width["none"], width
    assert inside["test"], width


def test_cli_geo_fit_with_lift_tests_reports_them(geo_data, tmp_path):
    """``fit --geo --lift-tests``: the tests (their geos in a column named as the data's,
    here ``region``) reach the model file and the report's lift section, whose model means
    are lift_table's."""
    sim = bm.simulate(n_weeks=60, n_geos=3, channels=CH, seed=4)
    frame = sim.frame.rename(columns={"geo": "region", "date": "week", "sales": "revenue"})
    frame.to_csv(tmp_path / "geo.csv", index=False)
    TESTS.rename(columns={"geo": "region"}).to_csv(tmp_path / "tests.csv", index=False)
    out = tmp_path / "out"
    args = ["fit", str(tmp_path / "geo.csv"), "--geo", "region", "--population", "population",
            "--date", "week", "--target", "revenue", "--channels", ",".join(CH),
            "--controls", "promo",
            "--lift-tests", str(tmp_path / "tests.csv"), "--out", str(out), "--chains", "2",
            "--draws", "40", "--tune", "60", "--seed", "3", "--quiet"]  # fmt: skip
    assert bm.cli.main(args) == 0
    fit = bm.load(out / "model.nc")
    assert fit.data.lift_tests.geo == ("geo00+geo01", "geo02", "")
    table = bm.lift_table(fit, 0.9)
    page = (out / "report.html").read_text()
    shown = re.findall(r'data-field="model_mean" data-value="([^"]+)"', page)
    np.testing.assert_allclose([float(v) for v in shown], table.model_mean, rtol=1e-9)
    assert "in geo00+geo01" in page and (out / "plots" / "lift_tests.png").exists()
    written = pd.read_csv(out / "lift_tests.csv")
    np.testing.assert_allclose(written.model_mean, table.model_mean, rtol=1e-9)
    assert list(written.geo.fillna("")) == ["geo00+geo01", "geo02", ""]


def test_design_tests_on_a_geo_fit_value_where_a_test_runs(geo_data):
    """Which test next, with geos: a test's spend and noise are those of its geos, a test in
    every geo narrows the channel's ROI more than the same test in one geo, and a test that
    measures nothing is worth nothing."""
    with warnings.catch_warnings():  # short chains: plumbing, not health
        warnings.simplefilter("ignore", bm.SamplingWarning)
        fit = bm.fit(geo_data, chains=2, draws=60, tune=80, seed=3, progress=False)
    designs = pd.DataFrame({"channel": "tv", "change": "go_dark", "weeks": 4,
                            "geo": ["", "geo01", "geo00+geo01"]})  # fmt: skip
    kw = dict(horizon=8, refit=None, n_outcomes=8, seed=1)
    ranked = bm.design_tests(fit, designs, **kw).set_index("design")
    every, one = ranked.loc["tv go_dark 4w in every geo"], ranked.loc["tv go_dark 4w in geo01"]
    recent = geo_data.geo_spend[:, -13:, 0].mean(axis=1)  # tv's weekly spend per geo, lately
    assert one.spend == pytest.approx(recent[1]) and every.spend == pytest.approx(recent.sum())
    assert one.sigma < ranked.loc["tv go_dark 4w in geo00+geo01"].sigma < every.sigma
    assert every.roi_narrowing > one.roi_narrowing > 0
    valuing, truths = split_chains(fit)  # the held-out check runs on geo fits too
    gains = held_out_gains(valuing, truths, designs, 8, n_truths=6)
    assert gains.shape == (3, 6) and np.isfinite(gains.to_numpy()).all()
    blind = bm.design_tests(fit, designs.iloc[:1].assign(sigma=1e12), **kw)
    assert blind.evsi.iloc[0] == pytest.approx(0.0, abs=1e-6 * abs(every.cost))  # ~0.03
    assert blind.roi_narrowing.iloc[0] == pytest.approx(0.0, abs=1e-6)  # same quantiles
