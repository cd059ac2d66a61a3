"""Real data sets through the front door: the command line end to end on Robyn's and
Meridian's sample data (``DATE``/``time`` date columns, a categorical control) and on
simulated tables with hostile names (other date column names, spaces, unicode, a channel
called ``date``, a control called ``sales``, a target called ``y``), period numbers and
day-first dates; every output file is checked. The approximate Laplace sampler keeps these
plumbing tests fast; nothing here would pass with the column name ``date`` alone."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::bayes_mmm.inference.diagnostics.SamplingWarning")
DATA = Path(__file__).parent / "data"
FAST = ["--sampler", "laplace", "--chains", "1", "--draws", "200", "--seed", "3", "--quiet"]
CSV_OUTPUTS = [
    "contributions.csv",
    "prior_posterior.csv",
    "response_curves.csv",
    "roi.csv",
    "shares.csv",
    "summary.csv",
]
PLOTS = ["adstock", "contributions", "fit", "ppc", "prior_posterior", "response_curves", "roi"]


def _strict_json(path: Path) -> dict:
    def refuse(name):
        raise AssertionError(f"{path.name} holds {name}: not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def check_run(out: Path, *, date: str, target: str, channels: list[str], controls: list[str],
              n_dates: int, first_date: str, plots: bool = True) -> bm.MMMFit:  # fmt: skip
    """Every output of a fit: present (nothing else), well formed, in the user's names."""
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    expected = [".bayes_mmm", *CSV_OUTPUTS, "diagnostics.json", "fit.json", "model.nc"]
    expected += ["report.html"]
    expected += [f"plots/{p}.png" for p in PLOTS] if plots else []
    assert files == sorted(expected)
    marker = _strict_json(out / ".bayes_mmm")
    assert marker["complete"] and sorted(marker["files"]) == sorted(expected[1:])
    roi = pd.read_csv(out / "roi.csv")
    assert list(roi["channel"]) == channels
    assert (roi["roi_lower"] <= roi["roi_upper"]).all() and (roi["mroi_lower"] >= 0).all()
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {f"roi[{c}]" for c in channels} <= set(summary.index)
    assert {f"control_coef[{c}]" for c in controls} <= set(summary.index)
    contrib = pd.read_csv(out / "contributions.csv")
    time = ["date", "period"] if "period" in contrib else ["date"]
    assert list(contrib.columns) == [*time, "component", "mean", "lower", "upper"]
    assert contrib["date"].nunique() == n_dates and contrib["date"].min() == first_date
    components = list(dict.fromkeys(contrib["component"]))
    assert components[0] == "baseline" and components[-len(channels) :] == channels
    assert [c for c in components if c in controls] == controls
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares["component"]) == components
    assert list(pd.read_csv(out / "response_curves.csv")["channel"].unique()) == channels
    assert len(pd.read_csv(out / "prior_posterior.csv")) > 0
    quality = _strict_json(out / "fit.json")
    assert quality["data"]["date_column"] == date and quality["data"]["target"] == target
    assert 0 < quality["r2"] <= 1 and quality["n"] == n_dates
    diagnostics = _strict_json(out / "diagnostics.json")
    assert diagnostics["approximate"] is True and diagnostics["max_r_hat"] is None  # not NaN
    for name in files:
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fit = bm.load(out / "model.nc")
    assert fit.data.date_name == date and fit.data.dates.name == "date"
    assert list(fit.data.channels) == channels and list(fit.data.control_names) == controls
    pd.testing.assert_frame_equal(bm.roi_table(fit), roi, check_exact=False, rtol=1e-12)
    return fit


# ---- public sample data ----------------------------------------------------------------------
ROBYN_CHANNELS = ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"]


def test_robyn_demo_data_with_categorical_events(tmp_path, capsys):
    out = tmp_path / "robyn"
    argv = ["fit", str(DATA / "robyn_dt_simulated_weekly.csv"), "--date", "DATE",
            "--target", "revenue", "--channels", ",".join(ROBYN_CHANNELS),
            "--controls", "competitor_sales_B,events", "--out", str(out), *FAST]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    dummies = ["events[event1]", "events[event2]"]
    fit = check_run(out, date="DATE", target="revenue", channels=ROBYN_CHANNELS,
                    controls=["competitor_sales_B", *dummies], n_dates=208,
                    first_date="2015-11-23")  # fmt: skip
    quality = _strict_json(out / "fit.json")
    events = quality["data"]["categorical_controls"]["events"]
    assert events == {"reference": "na", "levels": ["event1", "event2"], "columns": dummies}
    raw = pd.read_csv(DATA / "robyn_dt_simulated_weekly.csv", keep_default_na=False)
    for level, column in zip(events["levels"], dummies, strict=True):
        np.testing.assert_array_equal(
            fit.data.controls[:, fit.data.control_names.index(column)],
            (raw["events"] == level).to_numpy(float),
        )
    assert (raw["events"] == "na").sum() > (raw["events"] != "na").sum()  # the most frequent
    with pytest.warns(bm.DataWarning, match="'events' holds text: read as categorical"):
        bm.read_csv(DATA / "robyn_dt_simulated_weekly.csv", date="DATE", target="revenue",
                    channels=ROBYN_CHANNELS, controls=["events"])  # fmt: skip


def test_meridian_national_sample_time_column(tmp_path, capsys):
    out = tmp_path / "meridian"
    channels = [f"Channel{i}_spend" for i in range(5)]
    controls = ["competitor_sales_control", "sentiment_score_control"]
    argv = ["fit", str(DATA / "meridian_national_all_channels.csv"), "--date", "time",
            "--target", "conversions", "--channels", ",".join(channels),
            "--controls", ",".join(controls), "--out", str(out), *FAST]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    check_run(out, date="time", target="conversions", channels=channels, controls=controls,
              n_dates=156, first_date="2021-01-25")  # fmt: skip


# ---- simulated tables with unusual names -----------------------------------------------------
LEVELS = np.array(["aucun", "soldes", "fête"])


def hostile_frame(date: str, n: int = 104, seed: int = 5) -> tuple[pd.DataFrame, dict]:
    """A simulated table renamed as a hostile user would: returns it and the column roles."""
    sim = bm.simulate(n, channels=("tv", "search"), seed=seed).frame
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            date: sim["date"].dt.strftime("%Y-%m-%d"),
            "y": sim["sales"],  # the target called y
            "date" if date != "date" else "Date ": sim["tv"],  # a channel called date
            "Fernsehen €": sim["search"],  # unicode, a space, a symbol
            "sales": sim["promo"] + rng.normal(0, 0.1, n),  # a control called sales
            "Événement": LEVELS[rng.choice(3, n, p=[0.7, 0.2, 0.1])],  # categorical
        }
    )
    channels = list(frame.columns[2:4])
    roles = dict(date=date, target="y", channels=channels, controls=["sales", "Événement"])
    return frame, roles


def _fit_argv(path: Path, roles: dict, out: Path, *extra: str) -> list[str]:
    return ["fit", str(path), "--date", roles["date"], "--target", roles["target"],
            "--channels", ",".join(roles["channels"]), "--controls", ",".join(roles["controls"]),
            "--out", str(out), *FAST, *extra]  # fmt: skip


def _encoded(frame: pd.DataFrame) -> list[str]:
    counts = frame["Événement"].value_counts()
    reference = counts.index[0]
    return ["sales", *[f"Événement[{lev}]" for lev in sorted(set(counts.index) - {reference})]]


@pytest.mark.parametrize("date", ["date_week", "wk_strt_dt", "Week Start", "Período"])
def test_hostile_names_through_the_cli(date, tmp_path, capsys):
    frame, roles = hostile_frame(date)
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    plots = date == "Week Start"
    extra = [] if plots else ["--no-plots"]
    assert main(_fit_argv(path, roles, out, *extra)) == 0, capsys.readouterr().err
    check_run(out, date=date, target="y", channels=roles["channels"],
              controls=_encoded(frame), n_dates=104, first_date="2022-01-03",
              plots=plots)  # fmt: skip


def test_same_seed_same_bytes_and_report_rewrites_everything(tmp_path, capsys):
    frame, roles = hostile_frame("wk_strt_dt")
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    first, second, again = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out in (first, second):
        assert main(_fit_argv(path, roles, out, "--no-plots")) == 0, capsys.readouterr().err
    assert main(["report", str(first / "model.nc"), "--out", str(again), "--quiet",
                 "--no-plots"]) == 0  # fmt: skip
    for name in [*CSV_OUTPUTS, "fit.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_period_numbers_as_the_time_index(tmp_path, capsys):
    frame, roles = hostile_frame("week")
    frame["week"] = np.arange(1, len(frame) + 1)
    path = tmp_path / "periods.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    argv = _fit_argv(path, roles, out, "--no-plots", "--start-date", "2021-03-01")
    assert main(argv) == 0, capsys.readouterr().err
    check_run(out, date="week", target="y", channels=roles["channels"],
              controls=_encoded(frame), n_dates=104, first_date="2021-03-01",
              plots=False)  # fmt: skip
    contrib = pd.read_csv(out / "contributions.csv")
    assert list(contrib.columns[:2]) == ["date", "period"]
    assert sorted(contrib["period"].unique()) == list(range(1, 105))
    quality = _strict_json(out / "fit.json")
    assert quality["data"]["periods"] == {"first": 1, "freq": "W", "start": "2021-03-01"}


def test_day_first_dates_with_time_zones(tmp_path, capsys):
    """07.01.2024-style dates are read day-first (a regular weekly series), and dates with a
    UTC offset that changes with daylight saving time keep their local day."""
    frame, roles = hostile_frame("Datum")
    dates = pd.to_datetime(frame["Datum"])
    frame["Datum"] = dates.dt.strftime("%d.%m.%Y")
    path = tmp_path / "dayfirst.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    assert main(_fit_argv(path, roles, out, "--no-plots")) == 0, capsys.readouterr().err
    fit = check_run(out, date="Datum", target="y", channels=roles["channels"],
                    controls=_encoded(frame), n_dates=104, first_date="2022-01-03",
                    plots=False)  # fmt: skip
    assert (fit.data.dates == pd.DatetimeIndex(dates)).all()
    local = dates.dt.tz_localize("Europe/Berlin").map(lambda d: d.isoformat())
    assert local.str.endswith("+02:00").any() and local.str.endswith("+01:00").any()
    zoned = bm.from_frame(frame.assign(Datum=local), **roles, categorical=["Événement"])
    assert (zoned.dates == pd.DatetimeIndex(dates)).all()


def test_python_api_with_hostile_names(tmp_path):
    """bm.from_frame / bm.read_csv with a categorical control and daily period numbers."""
    frame, roles = hostile_frame("Zeit")
    frame["Zeit"] = np.arange(10, 10 + len(frame))
    data = bm.from_frame(frame, **roles, freq="D", categorical=["Événement"])
    assert data.period_days == 1 and data.periods["first"] == 10
    assert data.control_names == tuple(_encoded(frame))
    assert data.dates.name == "date" and data.date_name == "Zeit"
    fit = bm.fit(data, sampler="laplace", chains=1, draws=100, seed=1, progress=False)
    a = bm.analyse(fit)
    assert list(a.contributions.dims) == ["chain", "draw", "date", "component"]
    assert list(a.roi_table["channel"]) == roles["channels"]
    assert math.isfinite(a.fit_quality["r2"])


def test_budget_commands_with_a_channel_called_date(tmp_path, capsys):
    """optimize writes plan.csv with the data's date column (a channel is called 'date') and
    scenario --plan reads it back without dropping that channel."""
    frame, roles = hostile_frame("wk_strt_dt")
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    fit_out, plan_out, scen_out = tmp_path / "fit", tmp_path / "plan", tmp_path / "scen"
    assert main(_fit_argv(path, roles, fit_out, "--no-plots")) == 0, capsys.readouterr().err
    model = str(fit_out / "model.nc")
    argv = ["optimize", model, "--horizon", "8", "--frontier-points", "0", "--out", str(plan_out)]
    assert main([*argv, "--quiet"]) == 0, capsys.readouterr().err
    plan = pd.read_csv(plan_out / "plan.csv")
    assert list(plan.columns) == ["wk_strt_dt", *roles["channels"]]
    argv = ["scenario", model, "--plan", str(plan_out / "plan.csv"), "--out", str(scen_out)]
    assert main([*argv, "--quiet"]) == 0, capsys.readouterr().err
    assert len(pd.read_csv(scen_out / "scenario.csv")) > 0
