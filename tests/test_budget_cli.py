"""``bayes-mmm optimize`` and ``bayes-mmm scenario`` on the saved demo fit (in-process)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.cli import EXIT_BAD_INPUT, build_parser, main

ALLOCATION_COLUMNS = ["channel", "current_spend", "recommended_spend"]


@pytest.fixture(scope="module")
def model_file(demo_fit, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.nc"
    bm.save(demo_fit, path)
    return path


def _help(command: str) -> str:
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    return " ".join(sub.format_help().split())


def test_help_states_the_current_plan():
    for command in ("optimize", "scenario"):
        text = _help(command)
        assert "mean weekly spend over the last HORIZON weeks of the data" in text


def test_optimize_writes_tables_and_plots(model_file, demo_fit, tmp_path, capsys):
    out = tmp_path / "opt"
    code = main(
        [
            "optimize", str(model_file), "--horizon", "13", "--budget", "50000",
            "--objective", "quantile:0.1", "--bound", "tv=-30%:+30%", "--fix", "display",
            "--frontier-points", "4", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        ".bayes_mmm", "allocation.csv", "frontier.csv", "optimize.json", "outcome.csv", "plan.csv",
        "plots/allocation.png", "plots/frontier.png", "plots/outcome.png", "report.html",
    ]  # fmt: skip
    alloc = pd.read_csv(out / "allocation.csv")
    assert list(alloc.columns[:3]) == ALLOCATION_COLUMNS
    assert "recommended_outcome_mean" in alloc.columns
    assert alloc.recommended_spend.sum() == pytest.approx(50000, rel=1e-6)
    current = demo_fit.data.spend[-13:].mean(axis=0) * 13
    np.testing.assert_allclose(alloc.current_spend, current, rtol=1e-6)
    tv = alloc.set_index("channel").loc["tv"]
    assert 0.7 * current[0] - 1e-3 <= tv.recommended_spend <= 1.3 * current[0] + 1e-3
    assert alloc.set_index("channel").loc["display", "at_bound"] == "fixed"
    outcome = pd.read_csv(out / "outcome.csv")
    assert list(outcome.plan) == ["current", "recommended"]
    assert 0 <= outcome.p_beats_current.iloc[1] <= 1
    plan = pd.read_csv(out / "plan.csv")
    assert len(plan) == 13 and plan[["tv", "search", "social", "display"]].to_numpy().sum() == (
        pytest.approx(50000, rel=1e-6)
    )
    assert all((out / "plots" / p).stat().st_size > 10_000 for p in ("allocation.png",))
    assert not list(out.rglob("*.tmp"))
    assert "frontier 1/" in capsys.readouterr().err  # progress


def test_optimize_best_budget(model_file, tmp_path):
    out = tmp_path / "best"
    args = ["optimize", str(model_file), "--horizon", "8", "--objective", "profit:2"]
    assert main([*args, "--budget", "best", "--frontier-points", "0", "--out", str(out)]) == 0
    assert not (out / "frontier.csv").exists()
    alloc = pd.read_csv(out / "allocation.csv")
    inside = alloc.at_bound.isna()
    np.testing.assert_allclose(alloc.recommended_mroi_mean[inside], 0.5, rtol=1e-3)


def test_best_budget_frontier_stays_inside_the_bounds(model_file, tmp_path):
    """The frontier adds 1.25x the best budget: where the bounds do not allow it, the
    frontier ends at the largest budget they allow instead of failing the command."""
    out = tmp_path / "best"
    args = ["optimize", str(model_file), "--horizon", "13", "--objective", "profit:3"]
    args += ["--budget", "best", "--max-change", "0.3", "--frontier-points", "3"]
    assert main([*args, "--out", str(out)]) == 0
    alloc = pd.read_csv(out / "allocation.csv")
    top = alloc.upper_bound.sum()
    assert alloc.recommended_spend.sum() > top / 1.25  # so 1.25x of it is out of bounds
    budgets = pd.read_csv(out / "frontier.csv").budget
    assert budgets.max() == pytest.approx(top, rel=1e-6)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--objective", "median"], "unknown objective"),
        (["--bound", "radio=1:2"], "unknown channel 'radio'"),
        (["--max-change", "0.1", "--budget", "1e9"], "outside what the bounds allow"),
        (["--budget", "lots"], "give a number or 'best'"),
        (["--budget", "best"], "needs a profit objective"),
        (["--max-change", "-1"], "fraction >= 0"),
        (["--fix", "radio"], "unknown channels"),
        (["--ci-prob", "1.5"], "ci-prob"),
    ],
)
def test_optimize_bad_input_writes_nothing(model_file, tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    code = main(["optimize", str(model_file), "--horizon", "13", *extra, "--out", str(out)])
    assert code == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_model_file_errors(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["optimize", str(tmp_path / "nope.nc"), "--horizon", "4", "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.nc"
    bad.write_text("not a model")
    assert main(["scenario", str(bad), "--scale", "tv=1.1", "--horizon", "4", "--out", str(out)])
    assert "bad.nc' is not a netCDF model file" in capsys.readouterr().err
    assert not out.exists()


def test_scenario_scale_and_plan(model_file, demo_fit, tmp_path):
    out = tmp_path / "s1"
    args = ["scenario", str(model_file), "--scale", "tv=1.2,search=0.9", "--horizon", "6"]
    assert main([*args, "--out", str(out)]) == 0
    table = pd.read_csv(out / "scenario.csv")
    row = table.set_index(["quantity", "channel"]).loc[("vs_current", "tv")]
    assert row.prob_positive == 1.0
    plan = pd.read_csv(out / "plan.csv")
    np.testing.assert_allclose(plan.tv, demo_fit.data.spend[-6:, 0].mean() * 1.2, rtol=1e-6)
    # the written plan, fed back with a promo column, runs as a --plan
    plan["promo"] = [1, 0, 0, 0, 0, 0]
    plan.to_csv(tmp_path / "plan.csv", index=False)
    out2 = tmp_path / "s2"
    assert (
        main(
            ["scenario", str(model_file), "--plan", str(tmp_path / "plan.csv"), "--out", str(out2)]
        )
        == 0
    )
    again = pd.read_csv(out2 / "scenario.csv").set_index(["quantity", "channel"])
    np.testing.assert_allclose(again.loc[("vs_current", "tv"), "mean"], row["mean"], rtol=1e-3)
    assert (
        again.loc[("outcome", "total"), "mean"]
        > table.set_index(["quantity", "channel"]).loc[("outcome", "total"), "mean"]
    )  # a promo week adds to the outcome


def test_scenario_what_ifs(model_file, tmp_path):
    out = tmp_path / "w"
    cmd = ["scenario", str(model_file), "--what-if", "0.2", "--horizon", "13"]
    assert main([*cmd, "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "what_ifs.csv")
    assert len(table) == 8 and set(table.change) == {-0.2, 0.2}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scale", "tv=1.2"], "need --horizon"),
        (["--scale", "tv", "--horizon", "3"], "CHANNEL=MULTIPLIER"),
        (["--scale", "radio=2", "--horizon", "3"], "unknown channels"),
        (["--what-if", "x", "--horizon", "3"], "fractions"),
        (["--what-if", "1.5", "--horizon", "3"], "fractions"),
        (["--plan", "missing.csv"], "does not exist"),
    ],
)
def test_scenario_bad_input_writes_nothing(model_file, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["scenario", str(model_file), *args, "--out", str(out)]) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_scenario_bad_plan_file(model_file, tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"tv": [1.0, 2.0], "search": ["a", "b"]}).to_csv(plan, index=False)
    out = tmp_path / "out"
    assert main(["scenario", str(model_file), "--plan", str(plan), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"not numeric|missing", err)
    assert not out.exists()


def test_out_is_all_or_nothing_and_never_a_fit_folder(model_file, tmp_path, capsys):
    """optimize into a fit's output folder is refused (it would replace the fit's outputs);
    a rerun into its own earlier output replaces it whole."""
    fit_out = tmp_path / "fit"
    fit_out.mkdir()
    (fit_out / "model.nc").write_bytes(model_file.read_bytes())
    (fit_out / "roi.csv").write_text("the fit's table")
    args = ["optimize", str(fit_out / "model.nc"), "--horizon", "4", "--frontier-points", "0"]
    assert main([*args, "--out", str(fit_out), "--quiet"]) == 2
    assert "holds the outputs of 'bayes-mmm fit'" in capsys.readouterr().err
    assert (fit_out / "roi.csv").read_text() == "the fit's table"
    out = tmp_path / "plan"
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    (out / "stale.csv").write_text("from an older version")
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    assert not (out / "stale.csv").exists() and (out / "allocation.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit", "plan"]  # nothing staged left


def test_plan_csv_is_dated_in_the_datas_own_date_column(robyn_fit, tmp_path):
    """Robyn's dates are in 'DATE': optimize's plan.csv says 'DATE' (as a geo plan uses the
    data's columns), and scenario --plan reads it back: its organic channel (newsletter,
    not planned) stays at its current level, so the plan's gain over current is
    optimize's."""
    model = tmp_path / "model.nc"
    bm.save(robyn_fit, model)
    out, scen = tmp_path / "plan", tmp_path / "scen"
    argv = ["optimize", str(model), "--horizon", "4", "--frontier-points", "0", "--no-report",
            "--quiet", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    plan = pd.read_csv(out / "plan.csv")
    assert plan.columns[0] == "DATE" and len(plan) == 4
    argv = ["scenario", str(model), "--plan", str(out / "plan.csv"), "--quiet", "--out", str(scen)]
    assert main(argv) == 0
    assert "newsletter" not in plan.columns
    gain = pd.read_csv(out / "outcome.csv").set_index("plan").loc["recommended", "vs_current_mean"]
    table = pd.read_csv(scen / "scenario.csv").set_index(["quantity", "channel"])
    assert table.loc[("vs_current", "total"), "mean"] == pytest.approx(gain, rel=1e-6)
    assert table.loc[("vs_current", "newsletter"), "mean"] == 0
