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


@pytest.fixture(scope="module")
def geo_csv(tmp_path_factory):
    # the shapes of tests/test_geo_model.py's fit: the compiled model is reused
    sim = bm.simulate(n_weeks=60, n_geos=3, channels=("tv", "search", "social"), seed=4)
    path = tmp_path_factory.mktemp("geo") / "regions.csv"
    sim.frame.rename(columns={"geo": "region", "date": "week"}).to_csv(path, index=False)
    return path


def _args(csv, out, *extra):
    return ["fit", str(csv), "--geo", "region", "--population", "population", "--date", "week",
            "--target", "sales", "--channels", "tv,search,social", "--controls", "promo",
            "--out", str(out), *extra]  # fmt: skip


def test_cli_geo_fit_writes_geo_outputs_and_model_loads(geo_csv, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(_args(geo_csv, out, *TINY)) == 0
    roi = pd.read_csv(out / "roi.csv")
    assert list(roi.columns[:2]) == ["geo", "channel"]
    assert list(roi.geo.unique()) == ["national", "geo00", "geo01", "geo02"]
    contrib = pd.read_csv(out / "contributions.csv")
    assert {"geo", "date", "component", "mean", "lower", "upper"} <= set(contrib.columns)
    national = contrib[contrib.geo == "national"].groupby("component")["mean"].sum()
    geos = contrib[contrib.geo != "national"].groupby("component")["mean"].sum()
    np.testing.assert_allclose(national.sort_index(), geos.sort_index(), rtol=1e-6)
    assert (out / "plots" / "geo_fit.png").stat().st_size > 10_000
    assert (out / "plots" / "geo_roi.png").exists()
    assert (out / "plots" / "geo_response_curves.png").stat().st_size > 10_000
    assert (out / "plots" / "prior_posterior.png").stat().st_size > 10_000
    assert (out / "plots" / "contributions.png").stat().st_size > 10_000
    assert {"mroi_mean", "mroi_lower", "mroi_upper"} <= set(roi.columns)
    assert list(roi.columns).index("mroi_mean") == list(roi.columns).index("roi_upper") + 1
    assert roi.mroi_mean.notna().all() and (roi.mroi_lower <= roi.mroi_upper).all()
    curves = pd.read_csv(out / "response_curves.csv")
    assert list(curves.columns) == ["geo", "channel", "spend_multiple", "weekly_spend", "mean",
                                    "lower", "upper"]  # fmt: skip
    assert list(curves.geo.unique()) == ["national", "geo00", "geo01", "geo02"]
    at = curves.set_index(["geo", "channel", "spend_multiple"])["mean"]
    per_geo = at.drop("national", level="geo").groupby(level=["channel", "spend_multiple"]).sum()
    np.testing.assert_allclose(at["national"].sort_index(), per_geo.sort_index(), rtol=1e-6)
    written = json.loads((out / "fit.json").read_text())["not_yet_for_geo_fits"]
    assert "response curves" not in written and "marginal ROI" not in written
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {
        "roi[tv]",
        "beta[geo01, search]",
        "sigma[geo02]",
        "roi_geo_sd[tv]",
        "trend_geo_sd",
    } <= set(summary.index)  # the spreads across geos too
    assert {"mean", "eti90_lb", "eti90_ub", "ess_bulk", "r_hat"} <= set(summary.columns)
    prior_post = pd.read_csv(out / "prior_posterior.csv")
    per = prior_post.groupby("parameter")["item"].apply(list)
    assert per["roi"] == ["tv", "search", "social"]
    assert per["intercept"] == ["geo00", "geo01", "geo02"]
    assert prior_post.contraction.notna().all()
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares.columns[:2]) == ["geo", "component"]
    assert list(shares.geo.unique()) == ["national", "geo00", "geo01", "geo02"]
    by_geo = shares.groupby("geo", sort=False)
    np.testing.assert_allclose(by_geo.share_of_total_mean.sum(), 1.0, rtol=1e-9)
    np.testing.assert_allclose(by_geo.share_of_media_mean.sum(), 1.0, rtol=1e-9)  # channels
    total = shares.pivot(index="component", columns="geo", values="total_mean")
    np.testing.assert_allclose(total["national"], total.drop(columns="national").sum(axis=1))
    np.testing.assert_allclose(total["national"].sort_index(), national.sort_index(), rtol=1e-6)
    assert "shares" not in written and "fit checks" not in written
    quality = pd.DataFrame(json.loads((out / "fit.json").read_text())["quality"])
    assert list(quality.geo) == ["national", "geo00", "geo01", "geo02"]
    observed = pd.read_csv(geo_csv).pivot(index="week", columns="region", values="sales")
    fitted = contrib[contrib.geo != "national"].groupby(["date", "geo"])["mean"].sum().unstack()
    for geo in ("geo00", "geo01", "geo02"):  # R² of the posterior mean, as contributions.csv has it
        y, y_hat = observed[geo].to_numpy(), fitted[geo].to_numpy()
        r2 = 1 - ((y - y_hat) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        assert quality.set_index("geo").loc[geo, "r2"] == pytest.approx(r2, rel=1e-6)
    # the model is the simulator's: its 90% predictive intervals cover about 90% of the 60
    # weeks; not all of them (noise twice too large would: P(|z| < 3.3) = 0.999)
    assert quality.coverage.between(0.75, 0.99).all(), quality.coverage
    ppc = pd.DataFrame(json.loads((out / "fit.json").read_text())["ppc"])
    assert list(ppc.geo.unique()) == ["national", "geo00", "geo01", "geo02"]
    assert set(ppc.statistic) == {"mean", "sd", "min", "max", "residual_acf1"}
    assert ppc.p_value.between(0, 1).all()
    # the simulator's own model reproduces its data: no p-value in the far tails
    assert np.minimum(ppc.p_value, 1 - ppc.p_value).min() > 0.005, ppc
    page = (out / "report.html").read_text()
    national_roi = roi[roi.geo == "national"].set_index("channel")
    for ch in ("tv", "search", "social"):  # the headline table holds roi.csv's national rows
        row = re.search(rf'<tr data-channel="{ch}">(.*?)</tr>', page, re.S).group(1)
        shown = dict(re.findall(r'data-field="(\w+)" data-value="([^"]+)"', row))
        for field in ("roi_mean", "mroi_mean"):
            assert float(shown[field]) == pytest.approx(national_roi.loc[ch, field], rel=1e-9)
    assert page.count('<tr data-geo="') == 4 + 9  # quality rows (with national), geo x channel
    assert 'data-check="Convergence (r_hat)"' in page and 'data-check="Fit per geo"' in page
    assert page.count("data:image/png;base64,") == 5  # contributions, fit, ROI, curves, priors
    assert 'id="contributions"' in page and 'id="budget"' not in page  # no plan asked
    assert json.loads((out / "fit.json").read_text())["geos"] == ["geo00", "geo01", "geo02"]
    fit = bm.load(out / "model.nc")
    assert fit.data.n_geos == 3 and fit.data.geo_spend.shape == (3, 60, 3)
    assert fit.data.population is not None
    again = geo_roi_table(fit)
    np.testing.assert_allclose(again.roi_mean.to_numpy(), roi.roi_mean.to_numpy(), rtol=1e-6)
    mroi = geo_mroi_table(fit)
    np.testing.assert_allclose(mroi.mroi_mean.to_numpy(), roi.mroi_mean.to_numpy(), rtol=1e-6)
    assert {rv.name for rv in fit.model().free_RVs} >= {"roi", "roi_geo_z", "roi_geo_sd"}
    only = tmp_path / "only.html"  # report.html alone, as `report --out x.html` nationally
    assert main(["report", str(out / "model.nc"), "--out", str(only), "--quiet"]) == 0
    assert only.read_text().count("data-check=") == page.count("data-check=")
    plan = ["report", str(out / "model.nc"), "--out", str(tmp_path / "plan.html"), "--budget",
            "20000", "--horizon", "6", "--quiet"]  # fmt: skip
    assert main(plan) == 0  # a national plan of 20,000 over 6 weeks, in the report
    planned = (tmp_path / "plan.html").read_text()
    assert "budget 20,000 over the next 6 weeks" in planned
    cells = re.findall(r'<tr data-geo="(\w+)" data-channel="(\w+)">', planned)
    assert len(cells) == 9 + 9  # ROI per geo x channel, then the plan per geo x channel
    assert planned.count("data:image/png;base64,") == 5 + 2  # with allocation and outcome
    candidates = tmp_path / "candidates.csv"  # which test next: in which geos, too
    pd.DataFrame({"channel": ["tv", "tv"], "change": ["go_dark", "go_dark"], "weeks": [4, 4],
                  "geo": ["", "geo01"]}).to_csv(candidates, index=False)  # fmt: skip
    design = ["design-tests", str(out / "model.nc"), "--candidates", str(candidates), "--out",
              str(tmp_path / "tests"), "--refit", "none", "--outcomes", "4", "--horizon", "8",
              "--quiet"]  # fmt: skip
    assert main(design) == 0
    ranked = pd.read_csv(tmp_path / "tests" / "experiments.csv").set_index("geo", drop=False)
    assert set(ranked.design) == {"tv go_dark 4w in every geo", "tv go_dark 4w in geo01"}
    assert ranked.loc["geo01", "spend"] < ranked["spend"].max()  # one geo's spend, not all
    bare = write_geo_outputs(fit, tmp_path / "bare", progress=False, plots=False, report=False)
    assert not any(p.name == "report.html" or "plots" in p.parts for p in bare)
    assert not (tmp_path / "bare" / "report.html").exists()


def test_cli_bad_geo_input_names_geo_and_dates(geo_csv, tmp_path, capsys):
    df = pd.read_csv(geo_csv)
    df = df.drop(index=df.index[(df.region == "geo01") & (df.week == "2022-02-07")])
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    assert main(_args(bad, tmp_path / "out", *TINY)) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "geo 'geo01' is missing 1 period(s): date 2022-02-07" in err
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
