"""Media and calendar inputs without sampling: exposure, organic and revenue-per-KPI columns
read into the model's media matrix, their validation (every problem at once, naming columns
and lines), holidays aligned to periods, events, and the spec's input fields."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import main
from bayes_mmm.data.calendar import event_controls, holiday_controls, holiday_table
from bayes_mmm.data.dataset import from_frame, read_csv
from bayes_mmm.data.inputs import cost_per_unit_table
from bayes_mmm.data.simulate_inputs import simulate_inputs
from bayes_mmm.data.validate import DataValidationError
from bayes_mmm.model.build import resolve_priors


def _frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2016-01-04", periods=n, freq="7D")  # Mondays
    imps = rng.uniform(1e5, 2e5, n)
    cpu = np.linspace(0.005, 0.015, n)  # cost per impression triples over the window
    return pd.DataFrame(
        {
            "week": dates.strftime("%Y-%m-%d"),
            "kpi": rng.uniform(900, 1100, n),
            "tv_cost": rng.uniform(100, 300, n),
            "fb_cost": imps * cpu,
            "fb_imps": imps,
            "letters": rng.uniform(10, 50, n),
            "rev": rng.uniform(1.9, 2.1, n),
        }
    )


OPTS = dict(date="week", target="kpi", channels=["tv_cost", "fb_cost"])


def test_exposure_input_is_exposure_at_the_average_cost_per_unit():
    df = _frame()
    data = from_frame(df, **OPTS, exposure={"fb_cost": "fb_imps"}, organic=["letters"])
    assert data.channels == ("tv_cost", "fb_cost", "letters")
    cpu = df["fb_cost"].sum() / df["fb_imps"].sum()
    assert data.cost_per_unit["fb_cost"] == pytest.approx(cpu)
    # the curve's input follows impressions, not spend (whose cost per unit drifts)
    np.testing.assert_allclose(data.spend[:, 1], df["fb_imps"] * cpu)
    np.testing.assert_allclose(data.money_spend[:, 1], df["fb_cost"])
    assert data.spend[:, 1].sum() == pytest.approx(df["fb_cost"].sum())  # ROI denominators
    np.testing.assert_allclose(data.spend[:, 2], df["letters"])
    assert (data.money_spend[:, 2] == 0).all() and list(data.paid_mask) == [True, True, False]
    table = cost_per_unit_table(data)
    quarters = table[(table.channel == "fb_cost") & (table.period != "all")]
    assert quarters["ratio_to_average"].iloc[0] < 0.7 < 1.3 < quarters["ratio_to_average"].iloc[-1]


def test_organic_roi_prior_is_per_unit_of_exposure():
    df = _frame()
    data = from_frame(df, **OPTS, organic=["letters"])
    mu = np.asarray(resolve_priors(data, bm.ModelSpec())["roi"].params["mu"])
    paid_ref = 0.3 * df["kpi"].sum() / df[["tv_cost", "fb_cost"]].to_numpy().sum()
    assert mu[:2] == pytest.approx(np.log(paid_ref))
    assert mu[2] == pytest.approx(np.log(0.3 * df["kpi"].sum() / 3 / df["letters"].sum()))


def test_revenue_per_kpi_column_follows_the_sorted_rows():
    df = _frame().iloc[::-1]  # unsorted input: rows are sorted by date
    with pytest.warns(UserWarning, match="sorted"):
        data = from_frame(df, **OPTS, revenue_per_kpi="rev")
    np.testing.assert_allclose(data.revenue_per_kpi, df["rev"].to_numpy()[::-1])
    assert from_frame(_frame(), **OPTS, revenue_per_kpi=2.5).revenue_per_kpi.tolist() == [2.5] * 60


def test_bad_media_inputs_are_listed_together_with_lines(tmp_path: Path):
    df = _frame()
    df.loc[3, "fb_imps"] = 0  # spend without exposure: line 5 of the file
    df.loc[7, "letters"] = -2  # negative organic exposure: line 9
    df["rev"] = df["rev"].astype(object)
    df.loc[10, "rev"] = "n/a?"
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as err:
        read_csv(
            path,
            **OPTS,
            exposure={"fb_cost": "fb_imps", "radio": "radio_grp"},
            organic=["letters"],
            revenue_per_kpi="rev",
        )
    text = str(err.value)
    assert "'radio_grp'" in text  # missing exposure column
    assert "['radio']" in text  # unknown spend column in the mapping
    with pytest.raises(DataValidationError) as err:
        read_csv(path, **OPTS, exposure={"fb_cost": "fb_imps"}, organic=["letters"],
                 revenue_per_kpi="rev")  # fmt: skip
    problems = err.value.problems
    assert any("'fb_imps' is 0 in line 5" in p and "'fb_cost'" in p for p in problems)
    assert any("'letters'" in p and "negative" in p and "line 9" in p for p in problems)
    assert any("'rev'" in p and "line 12" in p for p in problems)


def test_negative_exposure_names_the_exposure_column_not_spend():
    df = _frame()
    df.loc[4, "fb_imps"] = -5.0  # line 6 of the file
    df.loc[8, "letters"] = -1.0  # line 10
    df.loc[2, "tv_cost"] = -3.0  # line 4
    with pytest.raises(DataValidationError) as err:
        from_frame(df, **OPTS, exposure={"fb_cost": "fb_imps"}, organic=["letters"])
    problems = err.value.problems
    exp = [p for p in problems if "'fb_imps'" in p]
    assert len(exp) == 1 and "exposure column 'fb_imps' (of channel 'fb_cost')" in exp[0]
    assert "negative exposure" in exp[0] and "spend" not in exp[0].replace("'fb_cost'", "")
    assert any("organic column 'letters' has negative exposure" in p for p in problems)
    assert any("channel column 'tv_cost' has negative spend" in p for p in problems)


def test_holidays_fall_in_the_period_that_starts_on_or_before_them():
    mondays = pd.date_range("2016-12-12", periods=4, freq="7D")
    weekly = holiday_controls(mondays, 7, "DE")["holiday"]
    # 2016-12-25 (Sunday) belongs to the week of Monday 12-19; 12-26 and 2017-01-01 (Sunday)
    # to the week of Monday 12-26
    assert weekly.tolist() == [0, 1, 2, 0]
    sundays = mondays - pd.Timedelta(days=1)
    assert holiday_controls(sundays, 7, "DE")["holiday"].tolist() == [0, 0, 2, 1]
    days = pd.date_range("2016-12-24", periods=4, freq="D")
    assert holiday_controls(days, 1, "DE")["holiday"].tolist() == [0, 1, 1, 0]
    names = holiday_table(mondays, 7, "DE")["name"].tolist()
    assert names == ["Christmas Day", "Second Day of Christmas", "New Year's Day"]
    with pytest.raises(DataValidationError, match="unknown country 'XX'"):
        holiday_controls(mondays, 7, "XX")


def test_holidays_and_events_become_named_controls(tmp_path: Path):
    events = tmp_path / "events.csv"
    events.write_text("date,name,end\n2016-02-10,launch,\n2016-05-02,sale,2016-05-20\n")
    data = from_frame(_frame(), **OPTS, holidays="de", events=events)
    assert data.control_names == ("holiday", "event[launch]", "event[sale]")
    sale = data.controls[:, 2]
    assert data.dates[sale == 1].strftime("%m-%d").tolist() == ["05-02", "05-09", "05-16"]
    assert data.calendar["holidays"] == "DE" and "period" in data.calendar["period_rule"]
    assert data.controls[:, 0].sum() == len(holiday_table(data.dates, 7, "DE"))


def test_bad_events_name_the_file_and_lines(tmp_path: Path):
    dates = pd.date_range("2016-01-04", periods=10, freq="7D")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,name\n2016-01-20,a\nnot a date,b\n2016-02-01,\n")
    with pytest.raises(DataValidationError) as err:
        event_controls(dates, 7, bad)
    text = str(err.value)
    assert f"events file '{bad}'" in text and "line 3" in text and "line 4" in text
    outside = tmp_path / "outside.csv"
    outside.write_text("date,name\n2016-01-20,a\n2019-01-01,b\n")
    with pytest.raises(DataValidationError, match="line 3 is outside the data's dates"):
        event_controls(dates, 7, outside)


def test_spec_carries_the_input_options_and_round_trips():
    spec = bm.ModelSpec(media_exposure={"fb_cost": "fb_imps"}, organic=["letters"],
                        revenue_per_kpi="rev", holidays="DE")  # fmt: skip
    back = bm.ModelSpec.from_json(spec.to_json())
    assert back == spec and back.organic == ("letters",)
    assert "holidays" not in bm.ModelSpec().to_dict()  # unset input options are not written
    data = from_frame(_frame(), **OPTS, spec=spec)
    assert data.organic == ("letters",) and "holiday" in data.control_names
    assert data.revenue_per_kpi is not None and data.exposure == {"fb_cost": "fb_imps"}
    with pytest.raises(ValueError, match="holidays"):
        bm.ModelSpec.from_dict({"holidays": 3})


def test_cli_refuses_a_bad_exposure_mapping_before_reading(tmp_path: Path, capsys):
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    code = main(["fit", str(path), "--date", "week", "--target", "kpi", "--channels",
                 "tv_cost,fb_cost", "--media-exposure", "fb_cost", "--out",
                 str(tmp_path / "o"), "--quiet"])  # fmt: skip
    assert code == 2
    assert "SPEND_COL=EXPOSURE_COL" in capsys.readouterr().err


def test_simulated_exposure_truth_is_in_money():
    sim = simulate_inputs(("tv",), {"social": 0.01}, ("letters",), n_weeks=60, seed=4)
    data = sim.to_data()
    spend = sim.frame["social"].sum()
    assert sim.roi["social"] == pytest.approx(sim.contribution["social"] / spend)
    assert data.money_spend[:, 1].sum() == pytest.approx(spend)
    assert 0.5 < sim.roi["social"] < 5  # money ROI, not per impression
