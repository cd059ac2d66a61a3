"""The command line, run in-process (two tiny fits) and once as the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import EXIT_BAD_INPUT, build_parser, main, spec_from_args
from bayes_mmm.model.priors import Prior

OUTPUTS = [
    ".bayes_mmm",
    "contributions.csv",
    "diagnostics.json",
    "fit.json",
    "model.nc",
    "plots",
    "prior_posterior.csv",
    "report.html",
    "response_curves.csv",
    "roi.csv",
    "shares.csv",
    "summary.csv",
]
ROI_COLUMNS = [
    "channel",
    "spend",
    "contribution_mean",
    "roi_mean",
    "roi_median",
    "roi_lower",
    "roi_upper",
    "mroi_mean",
    "mroi_lower",
    "mroi_upper",
]
DIAGNOSTIC_KEYS = ["max_r_hat", "min_ess_bulk", "divergences", "steps_per_draw", "sampling_seconds"]
TINY = ["--chains", "2", "--draws", "100", "--tune", "150", "--quiet"]
DECAY_PRIOR = "decay=Beta(alpha=3, beta=3)"
TV_ROI_PRIOR = "tv.roi=LogNormal(mu=0, sigma=0.5)"


def fit_args(csv: Path, out: Path, *extra: str) -> list[str]:
    return [
        "fit",
        str(csv),
        "--date",
        "date",
        "--target",
        "sales",
        "--channels",
        "tv, search",
        "--controls",
        "promo",
        "--out",
        str(out),
        *extra,
    ]


def check_outputs(out: Path, channels: list[str]) -> bm.MMMFit:
    """The outputs are there (and nothing else), well formed; returns the saved fit."""
    assert sorted(os.listdir(out)) == OUTPUTS  # no temporary files left behind
    roi = pd.read_csv(out / "roi.csv")
    assert list(roi.columns) == ROI_COLUMNS
    assert list(roi["channel"]) == channels
    assert (roi["roi_lower"] <= roi["roi_median"]).all()
    assert (roi["roi_median"] <= roi["roi_upper"]).all()
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert summary.index.name == "parameter"
    assert {f"roi[{c}]" for c in channels} <= set(summary.index)
    diagnostics = json.loads((out / "diagnostics.json").read_text())
    assert list(diagnostics)[:5] == DIAGNOSTIC_KEYS
    for key in DIAGNOSTIC_KEYS:
        assert isinstance(diagnostics[key], int | float), key
    assert isinstance(diagnostics["problems"], list)
    contributions = pd.read_csv(out / "contributions.csv", parse_dates=["date"])
    assert list(contributions.columns) == ["date", "component", "mean", "lower", "upper"]
    assert set(channels) <= set(contributions["component"])
    assert (contributions["lower"] <= contributions["upper"]).all()
    assert (roi["mroi_lower"] <= roi["mroi_mean"]).all()
    assert (roi["mroi_mean"] <= roi["mroi_upper"]).all()
    quality = json.loads((out / "fit.json").read_text())
    assert 0 < quality["r2"] <= 1 and 0 <= quality["mape"] < 1
    assert 0 <= quality["coverage"] <= 1 and quality["n"] == len(contributions["date"].unique())
    assert isinstance(quality["learning_flags"], list)
    plots = sorted(os.listdir(out / "plots"))
    assert {"fit.png", "contributions.png", "roi.png", "response_curves.png"} <= set(plots)
    for name in plots:
        assert name.endswith(".png")  # no temporary files left behind
        assert (out / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fit = bm.load(out / "model.nc")
    assert list(fit.data.channels) == channels
    assert fit.diagnostics.to_dict()["divergences"] == diagnostics["divergences"]
    pd.testing.assert_frame_equal(bm.roi_table(fit), roi, check_exact=False, rtol=1e-12)
    return fit


@pytest.fixture
def csv_file(make_frame, tmp_path) -> Path:
    path = tmp_path / "sales.csv"
    make_frame().to_csv(path, index=False)
    return path


# ---- fits ------------------------------------------------------------------------------------
def test_demo_writes_outputs(tmp_path, capsys):
    out = tmp_path / "demo_out"
    assert main(["demo", "--out", str(out), *TINY]) == 0
    fit = check_outputs(out, ["tv", "search", "social", "display"])
    assert fit.data.n_dates == 156
    assert (fit.diagnostics.chains, fit.diagnostics.draws) == (2, 100)
    assert fit.spec == bm.ModelSpec()
    assert "[bayes_mmm]" not in capsys.readouterr().err  # --quiet: no progress lines


def test_fit_csv_with_prior_overrides(csv_file, tmp_path):
    out = tmp_path / "fit_out"
    args = fit_args(csv_file, out, *TINY, "--prior", DECAY_PRIOR, "--prior", TV_ROI_PRIOR)
    assert main(args) == 0
    fit = check_outputs(out, ["tv", "search"])
    assert fit.data.n_dates == 60 and fit.data.control_names == ("promo",)
    # the overrides reach the saved spec ...
    assert fit.spec.priors == {"decay": Prior("Beta", alpha=3, beta=3)}
    assert fit.spec.channel_priors == {"tv": {"roi": Prior("LogNormal", mu=0, sigma=0.5)}}
    # ... and the priors the model was fitted with
    assert fit.priors["decay"] == Prior("Beta", alpha=3, beta=3)
    roi = fit.priors["roi"]
    assert roi.dist == "LogNormal"
    assert roi.params["mu"][0] == 0 and roi.params["sigma"][0] == 0.5


def test_fit_with_holdout(csv_file, tmp_path):
    """--holdout-weeks fits a second model on the first weeks and scores its forecast."""
    out = tmp_path / "holdout_out"
    assert main(fit_args(csv_file, out, *TINY, "--holdout-weeks", "8")) == 0
    check_outputs(out, ["tv", "search"])
    quality = json.loads((out / "fit.json").read_text())
    held = quality["holdout"]
    assert (held["weeks"], held["train_weeks"], held["n"]) == (8, 52, 8)
    assert {"r2", "mape", "coverage"} <= set(held)
    assert 0 <= held["coverage"] <= 1 and held["mape"] < 0.5
    assert (out / "plots" / "holdout.png").stat().st_size > 20_000


def test_holdout_weeks_must_leave_enough_rows(csv_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(fit_args(csv_file, out, *TINY, "--holdout-weeks", "60")) == EXIT_BAD_INPUT
    assert "--holdout-weeks must be between 1 and 59" in capsys.readouterr().err
    assert main(fit_args(csv_file, out, *TINY, "--holdout-weeks", "50")) == EXIT_BAD_INPUT
    assert "too few rows" in capsys.readouterr().err
    assert not out.exists()


# ---- bad input -------------------------------------------------------------------------------
def test_bad_csv_fails_before_writing(make_frame, tmp_path, capsys):
    df = make_frame()
    df.loc[4, "search"] = -10.0  # line 6 of the file
    csv = tmp_path / "bad.csv"
    df.to_csv(csv, index=False)
    out = tmp_path / "out"
    assert main(fit_args(csv, out, *TINY)) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "error:" in err
    assert "channel column 'search' has negative spend in line 6 (-10.0)" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_csv(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(fit_args(tmp_path / "nope.csv", out, *TINY)) == EXIT_BAD_INPUT
    assert "nope.csv' does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_missing_column_in_csv(csv_file, tmp_path, capsys):
    out = tmp_path / "out"
    args = fit_args(csv_file, out, *TINY)
    args[args.index("--channels") + 1] = "tv,radio"
    assert main(args) == EXIT_BAD_INPUT
    assert "channel column 'radio' is not in the table" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        ("decay=Beta(3, 3)", "cannot read prior"),
        ("decay", "write NAME=DIST(...)"),
        ("decya=Beta(alpha=3, beta=3)", "unknown parameter 'decya'"),
        ("decay=Bta(alpha=3, beta=3)", "'Bta' is not a continuous PyMC distribution"),
        ("decay=Beta(alpha=3, bta=3)", "Beta has no parameter(s) ['bta']"),
        ("decay=Normal(mu=0.5, sigma=0.2)", "gives values outside"),
        ("radio.roi=LogNormal(mu=0, sigma=1)", "channels not in the data: ['radio']"),
        ("tv.sigma=HalfNormal(sigma=1)", "'sigma' for 'tv' is not a channel parameter"),
    ],
)
def test_bad_prior_fails_before_writing(csv_file, tmp_path, capsys, prior, message):
    out = tmp_path / "out"
    assert main(fit_args(csv_file, out, *TINY, "--prior", prior)) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_required_arguments(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fit", "data.csv", "--date", "date"])
    assert info.value.code == 2
    assert "required" in capsys.readouterr().err


# ---- spec from arguments ---------------------------------------------------------------------
def test_prior_flags_build_the_spec():
    args = build_parser().parse_args(["demo", "--out", "x", "--prior", DECAY_PRIOR])
    args.prior.append(TV_ROI_PRIOR)
    spec = spec_from_args(args)
    assert spec.priors == {"decay": Prior("Beta", alpha=3, beta=3)}
    assert spec.channel_priors == {"tv": {"roi": Prior("LogNormal", mu=0, sigma=0.5)}}


def test_spec_file_with_prior_overrides(tmp_path):
    base = bm.ModelSpec(
        l_max=5,
        likelihood="studentt",
        priors={
            "decay": Prior("Beta", alpha=1.0, beta=1.0),
            "slope": Prior("Gamma", alpha=2.0, beta=1.0),
        },
    )
    path = tmp_path / "spec.json"
    path.write_text(base.to_json())
    args = build_parser().parse_args(
        ["demo", "--out", "x", "--spec", str(path), "--prior", DECAY_PRIOR]
    )
    spec = spec_from_args(args)
    assert spec.l_max == 5 and spec.likelihood == "studentt"
    assert spec.priors["decay"] == Prior("Beta", alpha=3, beta=3)  # the flag wins
    assert spec.priors["slope"] == Prior("Gamma", alpha=2.0, beta=1.0)  # the file's stays


# ---- the installed entry point ---------------------------------------------------------------
def test_console_script_help():
    script = Path(sys.executable).with_name("bayes-mmm")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "bayes_mmm.cli"]
    result = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: bayes-mmm" in result.stdout
    assert "demo" in result.stdout and "fit" in result.stdout


def test_module_entry_point_fit_help():
    result = subprocess.run(
        [sys.executable, "-m", "bayes_mmm.cli", "fit", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "--prior" in result.stdout and "--channels" in result.stdout


def test_fast_exit_keeps_the_exit_code_the_exit_handlers_and_the_messages(tmp_path):
    """``bayes-mmm`` ends with ``exit_now``: the command's exit status, exit handlers that
    ran (here one writing a file) and everything printed, without the interpreter's
    teardown."""
    flag = tmp_path / "handler_ran"
    code = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(flag)!r}).write_text, 'yes')\n"
        "from bayes_mmm.cli import run\n"
        "print('before', end='')\n"  # unflushed output must still appear
        f"sys.argv = ['bayes-mmm', 'fit', {str(tmp_path / 'missing.csv')!r}, '--date', 'd',\n"
        "            '--target', 'y', '--channels', 'tv', '--out', 'o']\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert result.stdout == "before"
    assert "missing.csv" in result.stderr and "error" in result.stderr
    assert flag.read_text() == "yes"
