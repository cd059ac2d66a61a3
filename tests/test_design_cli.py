"""``bayes-mmm design-tests`` on a saved model, and a windowed test fed back with
``bayes-mmm fit --lift-tests``."""

from __future__ import annotations

import numpy as np
import pandas as pd

import bayes_mmm as bm
from bayes_mmm.cli import EXIT_BAD_INPUT, main


def test_design_tests_command(demo_fit, tmp_path, capsys):
    model = bm.save(demo_fit, tmp_path / "model.nc")
    cands = tmp_path / "cands.csv"
    pd.DataFrame(
        {"channel": ["tv", "search", "social"], "change": ["go_dark", "+50%", "-50%"], "weeks": 4}
    ).to_csv(cands, index=False)
    out = tmp_path / "out"
    args = ["design-tests", str(model), "--candidates", str(cands), "--outcomes", "6"]
    args += ["--refit", "none"]
    assert main([*args, "--out", str(out), "--quiet", "--horizon", "8"]) == 0
    table = pd.read_csv(out / "experiments.csv")
    assert len(table) == 3 and list(table["rank"]) == [1, 2, 3]
    assert np.isfinite(table[["evsi", "cost", "net_value", "roi_narrowing"]]).all().all()
    assert table["method"].str.startswith("reweight").all()  # --refit none
    assert (out / "plan.csv").exists()
    assert (out / "plots" / "test_values.png").read_bytes()[:4] == b"\x89PNG"
    bad = ["design-tests", str(model), "--candidates", str(tmp_path / "none.csv")]
    assert main([*bad, "--out", str(tmp_path / "bad"), "--noise-scale", "0"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "no such file" in err and "--noise-scale" in err
    assert not (tmp_path / "bad").exists()


def test_fit_reads_windowed_lift_tests(tmp_path):
    path = tmp_path / "lift.csv"
    pd.DataFrame(
        {
            "channel": ["tv", "tv", "search"],
            "spend": [1500.0, 1500.0, 800.0],
            "delta_spend": [-1500.0, -1500.0, 400.0],
            "weeks": [4, 4, np.nan],
            "carryover_weeks": [0, 3, np.nan],
            "measured_from": [0, 4, np.nan],
            "lift": [-7000.0, -2000.0, 350.0],
            "sigma": [700.0, 400.0, 60.0],
        }
    ).to_csv(path, index=False)
    out = tmp_path / "out"
    tiny = ["--chains", "2", "--draws", "100", "--tune", "150", "--quiet"]
    assert main(["demo", "--out", str(out), "--lift-tests", str(path), *tiny]) == 0
    table = pd.read_csv(out / "lift_tests.csv")
    assert list(table["weeks"].fillna(0)) == [4, 4, 0] and np.isfinite(table["z"]).all()
    loaded = bm.load(out / "model.nc")
    assert loaded.data.lift_tests.measured_from.tolist() == [0, 4, 0]
