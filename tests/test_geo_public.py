"""Meridian's geo sample (six of its 40 geos, ``tests/data/meridian_geo_6.csv``) through the
command line with every input Meridian's demo uses: impressions as media exposure with spend
for ROI, the organic channel, controls, population and revenue per conversion; then the
outputs read back (``bayes_mmm.io.load`` and the CSVs). The full 40-geo fit is
``benchmarks/public_data_geo.py``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_mmm.analysis.geo import geo_roi_table
from bayes_mmm.cli import main
from bayes_mmm.data.dataset import read_csv
from bayes_mmm.io import load

DATA = Path(__file__).parent / "data" / "meridian_geo_6.csv"
CHANNELS = [f"Channel{i}_spend" for i in range(5)]
EXPOSURE = {c: c.replace("_spend", "_impression") for c in CHANNELS}
ORGANIC = "Organic_channel0_impression"
CONTROLS = ["competitor_sales_control", "sentiment_score_control"]


def _read(path: Path = DATA):
    return read_csv(path, date="time", target="conversions", channels=CHANNELS,
                    controls=CONTROLS, geo="geo", population="population", exposure=EXPOSURE,
                    organic=[ORGANIC], revenue_per_kpi="revenue_per_conversion")  # fmt: skip


def test_geo_media_inputs_are_read_per_geo():
    raw = pd.read_csv(DATA, index_col=0)
    data = _read()
    assert data.n_geos == 6 and data.channels == (*CHANNELS, ORGANIC)
    g2 = raw[raw.geo == "Geo2"].sort_values("time")
    # money spend per geo, the model's input is exposure at the national cost per unit
    cpu = raw.Channel1_spend.sum() / raw.Channel1_impression.sum()
    assert data.cost_per_unit["Channel1_spend"] == pytest.approx(cpu)
    assert np.allclose(data.geo_money_spend[2, :, 1], g2.Channel1_spend)
    assert np.allclose(data.geo_spend[2, :, 1], g2.Channel1_impression * cpu)
    assert np.allclose(data.geo_spend[2, :, 5], g2[ORGANIC]) and data.paid_spend[:, 5].sum() == 0
    assert np.allclose(data.geo_revenue_per_kpi[2], g2.revenue_per_conversion)
    revenue = (raw.conversions * raw.revenue_per_conversion).groupby(raw.time).sum()
    assert np.allclose(data.revenue_per_kpi * data.target, revenue.to_numpy())  # national


def test_geo_media_inputs_bad_rows_name_rows(tmp_path):
    raw = pd.read_csv(DATA, index_col=0)
    raw.loc[raw.index[3], "Channel0_impression"] = 0  # spend but no exposure
    raw.loc[raw.index[7], "revenue_per_conversion"] = -1
    path = tmp_path / "bad.csv"
    raw.to_csv(path)
    with pytest.raises(Exception) as err:
        _read(path)
    text = str(err.value)
    assert "'Channel0_impression' is 0 in line 5" in text
    assert "revenue per KPI column 'revenue_per_conversion'" in text and "line 9" in text


@pytest.mark.slow
def test_meridian_geo_sample_fits_from_the_cli_and_reads_back(tmp_path):
    raw = pd.read_csv(DATA, index_col=0)
    keep = raw[raw.geo.isin(["Geo0", "Geo1", "Geo2", "Geo3"]) & (raw.time >= "2022-01-24")]
    csv = tmp_path / "meridian_4geos.csv"
    keep.to_csv(csv)
    out = tmp_path / "out"
    args = ["fit", str(csv), "--date", "time", "--target", "conversions",
            "--channels", ",".join(CHANNELS),
            "--media-exposure", ",".join(f"{s}={e}" for s, e in EXPOSURE.items()),
            "--organic", ORGANIC, "--controls", ",".join(CONTROLS), "--geo", "geo",
            "--population", "population", "--revenue-per-kpi", "revenue_per_conversion",
            "--chains", "2", "--draws", "150", "--tune", "250", "--seed", "2", "--quiet",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["divergences"] <= 3, diag  # small draws: health is the benchmark's
    fit = load(out / "model.nc")
    assert fit.data.n_geos == 4 and fit.data.organic == (ORGANIC,)
    assert dict(fit.data.exposure) == EXPOSURE
    assert fit.data.geo_revenue_per_kpi.shape == (4, keep.time.nunique())
    roi = pd.read_csv(out / "roi.csv")
    assert list(roi.geo.unique()) == ["national", "Geo0", "Geo1", "Geo2", "Geo3"]
    nat = roi[roi.geo == "national"].set_index("channel")
    assert np.isnan(nat.loc[ORGANIC, "roi_mean"]) and nat.loc[ORGANIC, "kind"] == "organic"
    assert nat.loc[CHANNELS, "spend"].to_numpy() == pytest.approx(keep[CHANNELS].sum().to_numpy())
    paid = nat.loc[CHANNELS]
    ratio = paid.revenue_roi_mean / paid.roi_mean  # revenue per conversion ~ 0.02 throughout
    rpk = keep.revenue_per_conversion
    assert ((ratio > rpk.min()) & (ratio < rpk.max())).all()
    assert ((paid.revenue_roi_lower > 0) & (paid.revenue_roi_upper < 20)).all()
    again = geo_roi_table(fit, 0.9)  # the loaded model gives the file's numbers
    assert np.allclose(again.roi_mean.fillna(-1), roi.roi_mean.fillna(-1), rtol=1e-6)
    # marginal ROI and response curves per geo on Meridian's own names and inputs
    assert nat.loc[CHANNELS, "mroi_mean"].notna().all() and np.isnan(nat.loc[ORGANIC, "mroi_mean"])
    assert (nat.loc[CHANNELS, "mroi_lower"] <= nat.loc[CHANNELS, "mroi_upper"]).all()
    curves = pd.read_csv(out / "response_curves.csv")
    assert list(curves.geo.unique()) == ["national", "Geo0", "Geo1", "Geo2", "Geo3"]
    at = curves.set_index(["geo", "channel", "spend_multiple"])["mean"]
    summed = at.drop("national", level="geo").groupby(level=["channel", "spend_multiple"]).sum()
    np.testing.assert_allclose(at["national"].sort_index(), summed.sort_index(), rtol=1e-6)
    rising = (
        curves[curves.geo == "Geo0"]
        .groupby("channel")["mean"]
        .apply(lambda s: bool((np.diff(s.to_numpy()) >= -1e-9).all()))
    )
    assert rising.all()  # more spend never lowers the steady-state contribution
    contrib = pd.read_csv(out / "contributions.csv")
    per_geo = contrib[contrib.geo != "national"].groupby(["date", "component"])["mean"].sum()
    national = contrib[contrib.geo == "national"].set_index(["date", "component"])["mean"]
    assert np.allclose(per_geo.loc[national.index], national, rtol=1e-6)
    fit_json = json.loads((out / "fit.json").read_text())
    assert set(fit_json["media_exposure"]) == set(CHANNELS) and "organic" in fit_json
    # the outputs added for geo fits, on Meridian's names (an organic channel among them)
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares.geo.unique()) == ["national", "Geo0", "Geo1", "Geo2", "Geo3"]
    assert ORGANIC in set(shares.component)
    np.testing.assert_allclose(shares.groupby("geo").share_of_total_mean.sum(), 1.0, rtol=1e-9)
    quality = pd.DataFrame(fit_json["quality"])
    assert list(quality.geo) == ["national", "Geo0", "Geo1", "Geo2", "Geo3"]
    assert quality.coverage.between(0.6, 1.0).all(), quality
    page = (out / "report.html").read_text()
    headline = page.split('id="headline-table"')[1].split("</table>")[0]
    assert all(f'data-channel="{c}"' in headline for c in CHANNELS)
    assert ORGANIC not in headline  # no ROI: not in the headline
