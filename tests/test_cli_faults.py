"""Fault injection: a failure forced inside the analysis, the plots and the writing of the
outputs leaves either the complete output set or nothing in ``--out``; a finished fit is kept
(``<out>.partial/model.nc``) and ``bayes-mmm report`` rewrites every output from it. An
internal error exits with its own status and says it is a bug."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import bayes_mmm as bm
import bayes_mmm.export as report
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.cli import EXIT_BUG, EXIT_FAILED, main

EARLIER = {".bayes_mmm": "{}", "roi.csv": "old", "lift_tests.csv": "old"}


@pytest.fixture
def fitted(monkeypatch, demo_fit):
    """``bayes-mmm demo`` returns the shared demo fit instead of sampling."""
    monkeypatch.setattr("bayes_mmm.cli.fit.fit", lambda *a, **k: demo_fit)
    return demo_fit


def _earlier_output(out: Path) -> dict[str, bytes]:
    out.mkdir()
    for name, text in EARLIER.items():
        (out / name).write_text(text)
    (out / "plots").mkdir()
    (out / "plots" / "holdout.png").write_text("old")
    return _tree(out)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


def _same_posterior(a: bm.MMMFit, b: bm.MMMFit) -> None:
    xr.testing.assert_identical(a.posterior, b.posterior)


def _boom(*args, **kwargs):
    raise ValueError("injected fault")


INJECTIONS = {
    # where the fault is forced -> how
    "analysis": lambda mp: mp.setattr(Analysis, "roi_table", property(_boom)),
    "plots": lambda mp: mp.setattr("bayes_mmm.plots.analysis.figure_makers", _boom),
    "writing": lambda mp: mp.setattr(
        report,
        "write_csv",
        lambda df, path, **k: (
            _boom() if Path(path).name == "shares.csv" else bm.io.write_csv(df, path, **k)
        ),
    ),
}


@pytest.mark.parametrize("where", sorted(INJECTIONS))
@pytest.mark.parametrize("earlier", [False, True], ids=["new-out", "earlier-out"])
def test_fault_keeps_all_or_nothing_and_the_fit(where, earlier, fitted, tmp_path, monkeypatch,
                                                capsys):  # fmt: skip
    out = tmp_path / "results"
    before = _earlier_output(out) if earlier else None
    INJECTIONS[where](monkeypatch)
    code = main(["demo", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == EXIT_BUG, err
    assert "internal error in bayes_mmm: ValueError: injected fault" in err
    assert "This is a bug in bayes_mmm, not a problem with your input" in err
    assert "Traceback" not in err and "--debug" in err
    if earlier:
        assert _tree(out) == before  # the earlier set, untouched
    else:
        assert not out.exists()  # nothing
    kept = tmp_path / "results.partial" / "model.nc"
    assert f"The fitted model is kept in {kept}" in err
    assert f"bayes-mmm report {kept} --out {out}" in err
    _same_posterior(bm.load(kept), fitted)
    expected = ["results", "results.partial"] if earlier else ["results.partial"]
    assert sorted(os.listdir(tmp_path)) == expected  # no staging folder left

    monkeypatch.undo()  # the bug is fixed: resume from the kept model
    assert main(["report", str(kept), "--out", str(out), "--quiet", "--no-plots"]) == 0
    files = set(_tree(out))
    assert {"model.nc", "roi.csv", "summary.csv", "shares.csv", "fit.json"} <= files
    assert "lift_tests.csv" not in files and "plots/holdout.png" not in files  # replaced whole
    _same_posterior(bm.load(out / "model.nc"), fitted)


def test_debug_shows_the_traceback(fitted, tmp_path, monkeypatch, capsys):
    INJECTIONS["analysis"](monkeypatch)
    assert main(["demo", "--out", str(tmp_path / "o"), "--quiet", "--debug"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback" in err and "injected fault" in err and "roi_table" in err


def test_fault_before_the_model_is_saved_keeps_nothing(fitted, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report, "save", _boom)
    assert main(["demo", "--out", str(tmp_path / "o"), "--quiet"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "bug in bayes_mmm" in err and "kept" not in err
    assert os.listdir(tmp_path) == []


def test_disk_failure_is_not_called_a_bug(fitted, tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "save_plots", full)  # where the PNG files are written
    out = tmp_path / "o"
    assert main(["demo", "--out", str(out), "--quiet"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "No space left on device" in err and "bug" not in err
    assert not out.exists() and (tmp_path / "o.partial" / "model.nc").is_file()


def test_success_replaces_an_earlier_output_whole(fitted, tmp_path, capsys):
    out = tmp_path / "results"
    _earlier_output(out)
    assert main(["demo", "--out", str(out), "--quiet", "--no-plots"]) == 0
    files = set(_tree(out))
    assert "lift_tests.csv" not in files and "plots/holdout.png" not in files
    assert (out / "roi.csv").read_text() != "old"
    assert sorted(os.listdir(tmp_path)) == ["results"]  # no staging, no old copy


def test_result_table_is_printed(fitted, tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0].split()[:2] == ["channel", "ROI"] and "marginal ROI" in lines[0]
    roi = bm.roi_table(fitted)
    for channel, mean in zip(roi["channel"], roi["roi_mean"], strict=True):
        row = next(line for line in lines if line.startswith(channel + " "))
        assert np.isclose(float(row.split()[1]), mean, rtol=5e-3)
    assert any(line.startswith("diagnostics: max r_hat") for line in lines)
