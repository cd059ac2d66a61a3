"""Many fits at once (bayes_mmm.batch): jobs.csv validation, a batch on a local Dask cluster
of 2 workers with bad data and a worker killed mid-run, resuming, and CV on the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.batch import JobsError, read_jobs
from bayes_mmm.batch.run import CRASH_HOOK
from bayes_mmm.cli import main

FIT_FILES = (
    "summary.csv",
    "roi.csv",
    "contributions.csv",
    "shares.csv",
    "response_curves.csv",
    "prior_posterior.csv",
    "fit.json",
    "diagnostics.json",
    "model.nc",
    "job.json",
    ".done",
)
SMALL = "chains,draws,tune"
SMALL_VALUES = "2,100,100"


def _data(folder: Path, seed: int, date: str = "week") -> Path:
    frame = bm.simulate(60, channels=("tv", "search"), seed=seed).frame
    path = folder / f"d{seed}.csv"
    frame.rename(columns={"date": date}).to_csv(path, index=False)
    return path


def _stacked(folder: Path) -> Path:
    """Two brands' rows in one file, told apart by a 'brand' column."""
    frames = []
    for seed, brand in ((11, "north"), (12, "south")):
        f = bm.simulate(60, channels=("tv", "search"), seed=seed).frame.rename(
            columns={"date": "week"}
        )
        frames.append(f.assign(brand=brand))
    path = folder / "brands.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_jobs_file_problems_are_listed_at_once_before_any_cluster(tmp_path):
    _data(tmp_path, 0)
    (tmp_path / "jobs.csv").write_text(
        "name,data,date,target,channels,draws,sampler,colour\n"
        "a,d0.csv,week,sales,tv;search,100,nutpie,red\n"
        "a,d0.csv,week,sales,tv;search,-3,gibbs,blue\n"
        "b/c,missing.csv,week,sales,tv,ten,,\n"
        ",d0.csv,week,sales,,100,,\n"
    )
    with pytest.raises(JobsError) as info:
        read_jobs(tmp_path / "jobs.csv")
    text = str(info.value)
    for expected in (
        "unknown column(s) 'colour'",
        "line 3 (job 'a'): duplicate name (also on line 2)",
        "line 3 (job 'a'): draws must be at least 1",
        "sampler 'gibbs' is not one of",
        "name 'b/c' is not a folder name",
        "missing.csv' does not exist",
        "draws 'ten' is not an integer",
        "line 5: name is empty",
        "line 5: channels is empty",
    ):
        assert expected in text, expected
    assert len(info.value.problems) == 9
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "jobs.csv"), "--out", str(out)]) == 2
    assert not out.exists()  # nothing started


def test_job_options_and_relative_paths(tmp_path):
    (tmp_path / "data").mkdir()
    _data(tmp_path / "data", 0)
    (tmp_path / "spec.json").write_text(bm.ModelSpec(yearly_seasonality=0).to_json())
    (tmp_path / "jobs.csv").write_text(
        "name,data,date,target,channels,controls,draws,chains,seed,sampler,spec,plots,where\n"
        "a,data/d0.csv,week,sales,tv ; search,promo,50,1,7,laplace,spec.json,no,\n"
        "b,data/d0.csv,week,sales,tv,,,,,,,,brand=x;geo=y\n"
    )
    a, b = read_jobs(tmp_path / "jobs.csv")
    assert a.data == (tmp_path / "data" / "d0.csv") and a.spec == tmp_path / "spec.json"
    assert a.channels == ("tv", "search") and a.controls == ("promo",) and not a.plots
    assert a.fit_kwargs() == dict(draws=50, chains=1, seed=7, sampler="laplace", tune=1000,
                                  target_accept=None)  # fmt: skip
    assert b.fit_kwargs()["draws"] == 1000 and b.where == (("brand", "x"), ("geo", "y"))
    # the same jobs as a table built in Python (an int column with a gap turns float)
    table = pd.read_csv(tmp_path / "jobs.csv")
    same = bm.batch.jobs.as_jobs(table, base=tmp_path)
    assert [j.fit_kwargs() for j in same] == [a.fit_kwargs(), b.fit_kwargs()]


def test_job_inputs_columns_reach_the_data_and_the_spec(tmp_path):
    """jobs.csv takes fit's inputs: exposure, organic, revenue per KPI, holidays, events and
    the baseline; bad ones are listed with the rest."""
    rng = np.random.default_rng(0)
    frame = bm.simulate(60, channels=("tv", "search"), seed=1).frame.rename(
        columns={"date": "week"}
    )
    frame["search_clicks"] = frame["search"] / rng.uniform(0.5, 1.5, len(frame))
    frame["letters"] = rng.uniform(10, 50, len(frame))
    frame.to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame({"date": [frame.week[10]], "name": ["launch"]}).to_csv(
        tmp_path / "ev.csv", index=False
    )
    (tmp_path / "jobs.csv").write_text(
        "name,data,date,target,channels,media_exposure,organic,revenue_per_kpi,holidays,"
        "events,baseline\n"
        "a,d.csv,week,sales,tv;search,search=search_clicks,letters,2.5,DE,ev.csv,smooth\n"
        "b,d.csv,week,sales,tv,,,,,,\n"
    )
    a, b = read_jobs(tmp_path / "jobs.csv")
    assert a.baseline == "smooth" and b.baseline is None and b.inputs == {}
    data = bm.batch.run.read_job_data(a, bm.batch.run._spec(a))
    assert data.channels == ("tv", "search", "letters")
    cpu = frame["search"].sum() / frame["search_clicks"].sum()
    np.testing.assert_allclose(data.spend[:, 1], frame["search_clicks"] * cpu)  # exposure
    assert (data.money_spend[:, 2] == 0).all() and data.revenue_per_kpi.tolist() == [2.5] * 60
    assert "holiday" in data.control_names and "event[launch]" in data.control_names
    assert bm.batch.run._spec(a).baseline == "smooth" and bm.batch.run._spec(b) is None
    (tmp_path / "bad.csv").write_text(
        "name,data,date,target,channels,media_exposure,baseline,events\n"
        "c,d.csv,week,sales,tv,search:clicks,wiggly,nope.csv\n"
    )
    with pytest.raises(JobsError) as err:
        read_jobs(tmp_path / "bad.csv")
    text = str(err.value)
    assert "'search:clicks' is not SPEND_COL=EXPOSURE_COL" in text
    assert "baseline 'wiggly'" in text and "events file" in text


def _check_outputs(folder: Path) -> None:
    for name in FIT_FILES:
        assert (folder / name).is_file(), name
    for name in FIT_FILES:
        if name.endswith(".csv"):
            assert len(pd.read_csv(folder / name)) > 0, name
        elif name.endswith(".json"):
            json.loads((folder / name).read_text())
    fit = bm.load(folder / "model.nc")
    assert fit.data.channels == ("tv", "search")
    pngs = list((folder / "plots").glob("*.png"))
    assert len(pngs) >= 5 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


def test_batch_on_two_workers_survives_bad_data_and_a_dead_worker(tmp_path, monkeypatch):
    for seed in (0, 1, 2):
        _data(tmp_path, seed)
    bad = bm.simulate(60, channels=("tv", "search"), seed=9).frame
    bad.loc[5, "tv"] = -10.0
    bad.to_csv(tmp_path / "bad.csv", index=False)
    _stacked(tmp_path)
    (tmp_path / "jobs.csv").write_text(
        f"name,data,date,target,channels,controls,{SMALL},seed,sampler,where\n"
        f"a,d0.csv,week,sales,tv;search,promo,{SMALL_VALUES},1,,\n"
        f"b,d1.csv,week,sales,tv;search,promo,{SMALL_VALUES},2,laplace,\n"
        f"south,brands.csv,week,sales,tv;search,promo,{SMALL_VALUES},3,,brand=south\n"
        f"bad,bad.csv,date,sales,tv;search,promo,{SMALL_VALUES},4,,\n"
        f"crash,d2.csv,week,sales,tv;search,promo,{SMALL_VALUES},5,,\n"
    )
    out = tmp_path / "out"
    monkeypatch.setenv(CRASH_HOOK, "crash")  # the worker fitting 'crash' dies mid-run
    first = bm.fit_many(tmp_path / "jobs.csv", out, workers=2, memory_limit="3GB")
    status = dict(zip(first.name, first.status, strict=True))
    assert status == {"a": "done", "b": "done", "south": "done", "bad": "failed",
                      "crash": "failed"}  # fmt: skip
    reason = dict(zip(first.name, first.reason, strict=True))
    assert (
        reason["bad"].startswith("bad data")
        and "'tv' has negative spend in line 7" in (reason["bad"])
    )
    assert reason["crash"].startswith("worker died while running this job")
    for name in ("a", "b", "south"):
        _check_outputs(out / name)
    assert not (out / "bad").exists() and not (out / "crash").exists()
    assert not list(out.glob(".*staging*"))  # the dead worker's half-written folder is gone
    # the 'where' job fitted only the south brand's 60 rows
    assert bm.load(out / "south" / "model.nc").data.n_dates == 60
    # the summary file is the returned table; ROI per channel and memory are reported
    table = pd.read_csv(out / "batch_summary.csv")
    assert list(table.name) == ["a", "b", "south", "bad", "crash"]
    done = table[table.status == "done"]
    assert done[["roi_mean_tv", "roi_mean_search", "peak_memory_mb"]].notna().all().all()
    roi = pd.read_csv(out / "a" / "roi.csv").set_index("channel")
    assert np.isclose(done.set_index("name").loc["a", "roi_mean_tv"], roi.loc["tv", "roi_mean"])
    assert (done.peak_memory_mb > 100).all() and (done.peak_memory_mb < 3 * 1024).all()
    # one structure: each worker process compiles it at most once, later jobs reuse it
    assert set(done.compile_path) == {"fast"}
    assert (done.groupby("worker").compile_cache.apply(lambda c: (c != "process").sum()) <= 1).all()
    engine = json.loads((out / "batch.json").read_text())
    assert engine["workers"] == 2 and engine["memory_limit_mb_per_worker"] == round(3e9 / 2**20)
    stamps = {n: (out / n / ".done").stat().st_mtime_ns for n in ("a", "b", "south")}

    monkeypatch.delenv(CRASH_HOOK)
    second = bm.fit_many(tmp_path / "jobs.csv", out, workers=2, memory_limit="3GB")
    status = dict(zip(second.name, second.status, strict=True))
    assert status == {"a": "skipped", "b": "skipped", "south": "skipped", "bad": "failed",
                      "crash": "done"}  # fmt: skip
    assert json.loads((out / "batch.json").read_text())["fitted"] == 1  # only the missing one
    _check_outputs(out / "crash")
    assert {n: (out / n / ".done").stat().st_mtime_ns for n in stamps} == stamps
    assert (
        second.set_index("name").loc["a", "max_r_hat"]
        == first.set_index("name").loc["a", "max_r_hat"]
    )  # a skipped job's row is the one it stored when it finished


def test_time_slice_cv_on_the_engine_matches_one_by_one():
    data, _ = bm.load_demo()
    kw = dict(folds=2, horizon=4, chains=2, draws=100, tune=100, seed=1, progress=False)
    here = bm.checking.time_slice_cv(data, **kw)
    there = bm.checking.time_slice_cv(data, engine=2, **kw)
    pd.testing.assert_frame_equal(here.folds, there.folds)
    pd.testing.assert_frame_equal(here.roi, there.roi)


def test_cli_batch_resumes_and_forces(tmp_path, capsys):
    _data(tmp_path, 0, date="date")
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        "name,data,date,target,channels,sampler,draws,plots\n"
        "one,d0.csv,date,sales,tv;search,laplace,100,false\n"
    )
    out = tmp_path / "out"
    assert main(["batch", str(jobs), "--out", str(out), "--workers", "1"]) == 0
    assert "[####################] 1/1 one: done in" in capsys.readouterr().err
    assert (out / "one" / "model.nc").is_file()
    assert not (out / "one" / "plots").exists()  # plots=false
    stamp = (out / "one" / ".done").stat().st_mtime_ns
    assert main(["batch", str(jobs), "--out", str(out)]) == 0  # nothing to do: no cluster
    assert "all 1 jobs finished before" in capsys.readouterr().err
    assert pd.read_csv(out / "batch_summary.csv").status.tolist() == ["skipped"]
    assert main(["batch", str(jobs), "--out", str(out), "--workers", "1", "--force"]) == 0
    assert (out / "one" / ".done").stat().st_mtime_ns != stamp
    assert sorted(p.name for p in out.iterdir()) == ["batch.json", "batch_summary.csv", "one"]


def test_progress_bar_fills_with_finished_jobs():
    from bayes_mmm.batch.summary import bar

    assert bar(0, 4) == "[" + "." * 20 + "] 0/4"
    assert bar(1, 4) == "[" + "#" * 5 + "." * 15 + "] 1/4"
    assert bar(4, 4) == "[" + "#" * 20 + "] 4/4"
