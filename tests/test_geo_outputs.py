"""Geo fits end to end: the CLI with --geo writes roi.csv and contributions.csv with a geo
column and national rows, plots, and a model file that loads back with its geos."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.analysis.geo import geo_roi_table
from bayes_mmm.analysis.geo_curves import geo_mroi_table
from bayes_mmm.cli import EXIT_BAD_INPUT, main
from bayes_mmm.export_geo import write_geo_outputs

TINY = ["--chains", "2", "--draws", "40", "--tune", "60", "--seed", "3", "--quiet"]


CITIES = {"geo00": "Lyon", "geo01": "Nice", "geo02": "Paris"}  # a user's labels, not ours
GEOS = list(CITIES.values())


@pytest.fixture(scope="module")
def geo_csv(tmp_path_factory):
    # the shapes of tests/test_geo_model.py's fit: the compiled model is reused
    sim = bm.simulate(n_weeks=60, n_geos=3, channels=("tv", "search", "social"), seed=4)
    frame = sim.frame.rename(columns={"geo": "region", "date": "week", "sales": "revenue"})
    frame["region"] = frame["region"].map(CITIES)
    path = tmp_path_factory.mktemp("geo") / "regions.csv"
    frame.to_csv(path, index=False)
    return path


def _args(csv, out, *extra):
    return ["fit", str(csv), "--geo", "region", "--population", "population", "--date", "week",
            "--target", "revenue", "--channels", "tv,search,social", "--controls", "promo",
            "--out", str(out), *extra]  # fmt: skip


@pytest.fixture(scope="module")
def geo_out(geo_csv, tmp_path_factory):
    """A geo fit's output folder, written once by ``bayes-mmm fit --geo``."""
    out = tmp_path_factory.mktemp("geo_out") / "out"
    assert main(_args(geo_csv, out, *TINY)) == 0
    return out


def test_geo_tables_have_geo_rows_national_first_and_national_is_their_sum(geo_out):
    out = geo_out
    roi = pd.read_csv(out / "roi.csv")
    assert list(roi.columns[:2]) == ["geo", "channel"]
    assert list(roi.geo.unique()) == ["national", *GEOS]
    contrib = pd.read_csv(out / "contributions.csv")
    assert {"geo", "date", "component", "mean", "lower", "upper"} <= set(contrib.columns)
    national = contrib[contrib.geo == "national"].groupby("component")["mean"].sum()
    geos = contrib[contrib.geo != "national"].groupby("component")["mean"].sum()
    np.testing.assert_allclose(national.sort_index(), geos.sort_index(), rtol=1e-6)
    assert {"mroi_mean", "mroi_lower", "mroi_upper"} <= set(roi.columns)
    assert list(roi.columns).index("mroi_mean") == list(roi.columns).index("roi_upper") + 1
    assert roi.mroi_mean.notna().all() and (roi.mroi_lower <= roi.mroi_upper).all()
    curves = pd.read_csv(out / "response_curves.csv")
    assert list(curves.columns) == ["geo", "channel", "spend_multiple", "weekly_spend", "mean",
                                    "lower", "upper"]  # fmt: skip
    assert list(curves.geo.unique()) == ["national", *GEOS]
    at = curves.set_index(["geo", "channel", "spend_multiple"])["mean"]
    per_geo = at.drop("national", level="geo").groupby(level=["channel", "spend_multiple"]).sum()
    np.testing.assert_allclose(at["national"].sort_index(), per_geo.sort_index(), rtol=1e-6)
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares.columns[:2]) == ["geo", "component"]
    assert list(shares.geo.unique()) == ["national", *GEOS]
    by_geo = shares.groupby("geo", sort=False)
    np.testing.assert_allclose(by_geo.share_of_total_mean.sum(), 1.0, rtol=1e-9)
    np.testing.assert_allclose(by_geo.share_of_media_mean.sum(), 1.0, rtol=1e-9)  # channels
    total = shares.pivot(index="component", columns="geo", values="total_mean")
    np.testing.assert_allclose(total["national"], total.drop(columns="national").sum(axis=1))
    np.testing.assert_allclose(total["national"].sort_index(), national.sort_index(), rtol=1e-6)


def test_geo_parameter_tables_name_geos_and_the_spreads_across_them(geo_out):
    summary = pd.read_csv(geo_out / "summary.csv", index_col=0)
    names = {"roi[tv]", "beta[Nice, search]", "sigma[Paris]", "roi_geo_sd[tv]", "trend_geo_sd"}
    assert names <= set(summary.index)  # the spreads across geos too
    assert {"mean", "eti90_lb", "eti90_ub", "ess_bulk", "r_hat"} <= set(summary.columns)
    prior_post = pd.read_csv(geo_out / "prior_posterior.csv")
    per = prior_post.groupby("parameter")["item"].apply(list)
    assert per["roi"] == ["tv", "search", "social"]
    assert per["intercept"] == GEOS
    assert prior_post.contraction.notna().all()
    written = json.loads((geo_out / "fit.json").read_text())
    assert written["geos"] == GEOS and written["geo_column"] == "region"
    assert "not_yet_for_geo_fits" not in written and "holdout" not in written  # none asked


def test_geo_fit_checks_are_computed_from_the_users_file(geo_out, geo_csv):
    fit_json = json.loads((geo_out / "fit.json").read_text())
    quality = pd.DataFrame(fit_json["quality"])
    assert list(quality.geo) == ["national", *GEOS]
    contrib = pd.read_csv(geo_out / "contributions.csv")
    observed = pd.read_csv(geo_csv).pivot(index="week", columns="region", values="revenue")
    fitted = contrib[contrib.geo != "national"].groupby(["date", "geo"])["mean"].sum().unstack()
    for geo in GEOS:  # R² of the posterior mean, as contributions.csv has it
        y, y_hat = observed[geo].to_numpy(), fitted[geo].to_numpy()
        r2 = 1 - ((y - y_hat) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        assert quality.set_index("geo").loc[geo, "r2"] == pytest.approx(r2, rel=1e-6)
    # the model is the simulator's: its 90% predictive intervals cover about 90% of the 60
    # weeks; not all of them (noise twice too large would: P(|z| < 3.3) = 0.999)
    assert quality.coverage.between(0.75, 0.99).all(), quality.coverage
    ppc = pd.DataFrame(fit_json["ppc"])
    assert list(ppc.geo.unique()) == ["national", *GEOS]
    assert set(ppc.statistic) == {"mean", "sd", "min", "max", "residual_acf1"}
    assert ppc.p_value.between(0, 1).all()
    # the simulator's own model reproduces its data: no p-value in the far tails
    assert np.minimum(ppc.p_value, 1 - ppc.p_value).min() > 0.005, ppc


def test_geo_report_shows_roi_csv_and_every_figure(geo_out):
    for name in ("geo_fit", "geo_response_curves", "prior_posterior", "contributions", "ppc"):
        assert (geo_out / "plots" / f"{name}.png").stat().st_size > 10_000
    assert (geo_out / "plots" / "geo_roi.png").exists()
    roi = pd.read_csv(geo_out / "roi.csv")
    page = (geo_out / "report.html").read_text()
    national_roi = roi[roi.geo == "national"].set_index("channel")
    for ch in ("tv", "search", "social"):  # the headline table holds roi.csv's national rows
        row = re.search(rf'<tr data-channel="{ch}">(.*?)</tr>', page, re.S).group(1)
        shown = dict(re.findall(r'data-field="(\w+)" data-value="([^"]+)"', row))
        for field in ("roi_mean", "mroi_mean"):
            assert float(shown[field]) == pytest.approx(national_roi.loc[ch, field], rel=1e-9)
    assert page.count('<tr data-geo="') == 4 + 9  # quality rows (with national), geo x channel
    assert 'data-check="Convergence (r_hat)"' in page and 'data-check="Fit per geo"' in page
    assert page.count("data:image/png;base64,") == 6  # contributions, fit, ppc, ROI, curves, priors
    assert 'id="contributions"' in page and 'id="budget"' not in page  # no plan asked


def test_geo_model_file_loads_with_its_geos_and_gives_the_same_roi(geo_out):
    fit = bm.load(geo_out / "model.nc")
    assert fit.data.geos == tuple(GEOS) and fit.data.geo_spend.shape == (3, 60, 3)
    assert fit.data.population is not None
    roi = pd.read_csv(geo_out / "roi.csv")
    again = geo_roi_table(fit)
    np.testing.assert_allclose(again.roi_mean.to_numpy(), roi.roi_mean.to_numpy(), rtol=1e-6)
    mroi = geo_mroi_table(fit)
    np.testing.assert_allclose(mroi.mroi_mean.to_numpy(), roi.mroi_mean.to_numpy(), rtol=1e-6)
    assert {rv.name for rv in fit.model().free_RVs} >= {"roi", "roi_geo_z", "roi_geo_sd"}
    bare = geo_out.parent / "bare"  # the files without plots or report
    written = write_geo_outputs(fit, bare, progress=False, plots=False, report=False)
    assert not any(p.name == "report.html" or "plots" in p.parts for p in written)
    assert not (bare / "report.html").exists()


def test_report_of_a_geo_model_alone_and_with_a_plan(geo_out, tmp_path):
    only = tmp_path / "only.html"  # report.html alone, as `report --out x.html` nationally
    assert main(["report", str(geo_out / "model.nc"), "--out", str(only), "--quiet"]) == 0
    page = (geo_out / "report.html").read_text()
    assert only.read_text().count("data-check=") == page.count("data-check=")
    plan = ["report", str(geo_out / "model.nc"), "--out", str(tmp_path / "plan.html"),
            "--budget", "20000", "--horizon", "6", "--quiet"]  # fmt: skip
    assert main(plan) == 0  # a national plan of 20,000 over 6 weeks, in the report
    planned = (tmp_path / "plan.html").read_text()
    assert "budget 20,000 over the next 6 weeks" in planned
    cells = re.findall(r'<tr data-geo="(\w+)" data-channel="(\w+)">', planned)
    assert len(cells) == 9 + 9  # ROI per geo x channel, then the plan per geo x channel
    assert planned.count("data:image/png;base64,") == 6 + 2  # with allocation and outcome


def test_design_tests_on_a_geo_model_names_where_each_test_runs(geo_out, tmp_path):
    candidates = tmp_path / "candidates.csv"  # the geos in the data's own column name
    pd.DataFrame({"channel": ["tv", "tv"], "change": ["go_dark", "go_dark"], "weeks": [4, 4],
                  "region": ["", "Nice"]}).to_csv(candidates, index=False)  # fmt: skip
    design = ["design-tests", str(geo_out / "model.nc"), "--candidates", str(candidates),
              "--out", str(tmp_path / "tests"), "--refit", "none", "--outcomes", "4",
              "--horizon", "8", "--quiet"]  # fmt: skip
    assert main(design) == 0
    ranked = pd.read_csv(tmp_path / "tests" / "experiments.csv").set_index("geo", drop=False)
    assert set(ranked.design) == {"tv go_dark 4w in every geo", "tv go_dark 4w in Nice"}
    assert ranked.loc["Nice", "spend"] < ranked["spend"].max()  # one geo's spend, not all


def test_cli_bad_geo_input_names_geo_and_dates(geo_csv, tmp_path, capsys):
    df = pd.read_csv(geo_csv)
    df = df.drop(index=df.index[(df.region == "Nice") & (df.week == "2022-02-07")])
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    assert main(_args(bad, tmp_path / "out", *TINY)) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "geo 'Nice' is missing 1 period(s): date 2022-02-07" in err
    assert not (tmp_path / "out").exists()


def test_ppc_of_a_chunk_of_geos_equals_one_geo_at_a_time():
    from bayes_mmm.analysis.checks import PPC_COLUMNS, ppc_rows, ppc_stats

    rng = np.random.default_rng(0)
    y, m = rng.normal(10, 1, (3, 50)), rng.normal(10, 1, (200, 3, 50))
    rep = m + rng.normal(0, 1, m.shape)
    batch = ppc_stats(y, m, rep, 0.9)
    for g in range(3):
        for row in ppc_rows(y[g], m[:, g], rep[:, g], 0.9):
            got = [float(v[g]) for v in batch[row["statistic"]]]
            assert got == pytest.approx([row[c] for c in PPC_COLUMNS], rel=1e-12)
