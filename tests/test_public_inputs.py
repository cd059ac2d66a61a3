"""Robyn's and Meridian's sample data through the command line as their own demos specify them:
impressions as media with spend for ROI, organic media, holidays, categorical events, revenue
per conversion; real NUTS fits with small draws (full draws: benchmarks/public_data.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::bayes_mmm.inference.diagnostics.SamplingWarning"),
]
DATA = Path(__file__).parent / "data"
SMALL = ["--chains", "2", "--draws", "150", "--tune", "300", "--seed", "2", "--quiet"]


def test_robyn_demo_spec(tmp_path: Path):
    out = tmp_path / "robyn"
    args = ["fit", str(DATA / "robyn_dt_simulated_weekly.csv"), "--date", "DATE",
            "--target", "revenue", "--channels", "tv_S,ooh_S,print_S,facebook_S,search_S",
            "--media-exposure", "facebook_S=facebook_I,search_S=search_clicks_P",
            "--controls", "competitor_sales_B,events", "--categorical", "events",
            "--organic", "newsletter", "--holidays", "DE", "--out", str(out)]  # fmt: skip
    assert main(args + SMALL) == 0
    roi = pd.read_csv(out / "roi.csv").set_index("channel")
    assert list(roi.index) == ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S", "newsletter"]
    raw = pd.read_csv(DATA / "robyn_dt_simulated_weekly.csv")
    # ROI per unit of spend: facebook's spend, not its impressions, is the denominator
    assert roi.loc["facebook_S", "spend"] == pytest.approx(raw["facebook_S"].sum())
    assert roi.loc[["tv_S", "facebook_S", "search_S"], "roi_lower"].gt(0).all()
    assert roi.loc["newsletter", ["roi_mean", "mroi_mean"]].isna().all()
    assert roi.loc["newsletter", "contribution_mean"] > 0
    cpu = pd.read_csv(out / "cost_per_unit.csv")
    assert set(cpu["channel"]) == {"facebook_S", "search_S"}
    info = json.loads((out / "fit.json").read_text())
    assert info["data"]["calendar"]["holidays"] == "DE"
    assert info["data"]["organic"]["channels"] == ["newsletter"]
    assert info["r2"] > 0.8
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {"control_coef[holiday]", "control_coef[events[event1]]"} <= set(summary.index)
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["divergences"] == 0
    curves = pd.read_csv(out / "response_curves.csv")
    assert "newsletter" in set(curves["channel"])
    assert (out / "plots" / "roi.png").stat().st_size > 0 and (out / "report.html").exists()
    # the saved model reproduces the tables (money spend and exposure are stored)
    assert main(["report", str(out / "model.nc"), "--out", str(tmp_path / "again"),
                 "--no-plots", "--no-report", "--quiet"]) == 0  # fmt: skip
    again = pd.read_csv(tmp_path / "again" / "roi.csv").set_index("channel")
    pd.testing.assert_frame_equal(again, roi)


def test_meridian_national_revenue_roi(tmp_path: Path):
    out = tmp_path / "meridian"
    exposure = ",".join(f"Channel{i}_spend=Channel{i}_impression" for i in range(5))
    args = ["fit", str(DATA / "meridian_national_all_channels.csv"), "--date", "time",
            "--target", "conversions", "--channels",
            ",".join(f"Channel{i}_spend" for i in range(5)), "--media-exposure", exposure,
            "--organic", "Organic_channel0_impression", "--controls",
            "competitor_sales_control,sentiment_score_control,Promo",
            "--revenue-per-kpi", "revenue_per_conversion", "--no-plots", "--no-report",
            "--out", str(out)]  # fmt: skip
    assert main(args + SMALL) == 0
    roi = pd.read_csv(out / "roi.csv").set_index("channel")
    paid = [f"Channel{i}_spend" for i in range(5)]
    rev = roi.loc[paid, "revenue_roi_mean"]
    # revenue per conversion is about 0.02: revenue ROI is about 0.02 x ROI in conversions
    np.testing.assert_allclose(rev / roi.loc[paid, "roi_mean"], 0.02, rtol=0.01)
    assert rev.between(0.2, 5).all()  # Meridian's own demo reports 0.9-1.6
    assert np.isnan(roi.loc["Organic_channel0_impression", "revenue_roi_mean"])  # no ROI
    fit = bm.load(out / "model.nc")
    assert fit.data.revenue_per_kpi is not None and fit.diagnostics.divergences == 0
    plan = bm.budget.optimize(fit, 13, objective="revenue")
    assert list(plan.plans["recommended"].columns) == paid
