"""``report``, ``optimize`` and ``scenario`` answer bad arguments (a missing model file, a bad
``--objective`` or ``--budget``, ``--scale`` without ``--horizon``) before the PyMC stack is
imported, with every problem at once (issue 19). Asserted on the modules imported in a fresh
process, not on seconds."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ["pymc", "pytensor", "nutpie", "numba", "arviz", "matplotlib"]

_SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from bayes_mmm.cli import main
    stack, tmp = json.loads(sys.argv[1]), sys.argv[2]
    cases = {
        "report": ["report", f"{tmp}/none.nc", "--out", f"{tmp}/r"],
        "report_objective": ["report", f"{tmp}/none.nc", "--out", f"{tmp}/r2",
                             "--objective", "best"],
        "optimize": ["optimize", f"{tmp}/none.nc", "--horizon", "4", "--out", f"{tmp}/o",
                     "--objective", "median", "--budget", "lots", "--frontier-points", "-1"],
        "optimize_best": ["optimize", tmp, "--horizon", "4", "--out", f"{tmp}/o2",
                          "--budget", "best"],
        "scenario": ["scenario", f"{tmp}/none.nc", "--scale", "tv=1.2", "--out", f"{tmp}/s"],
    }
    out = {}
    for name, argv in cases.items():
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(argv)
        out[name] = {"code": code, "stderr": err.getvalue()}
    out["imported"] = sorted({m.split(".")[0] for m in sys.modules} & set(stack))
    print(json.dumps(out))
    """
)


def test_budget_commands_check_arguments_without_pymc(tmp_path):
    argv = [sys.executable, "-c", _SCRIPT, json.dumps(STACK), str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["imported"] == []
    assert all(out[k]["code"] == 2 for k in ("report", "optimize", "optimize_best", "scenario"))
    assert out["report"]["code"] == out["report_objective"]["code"] == 2
    assert "none.nc' does not exist" in out["report"]["stderr"]  # plan arguments come first:
    assert "--objective 'best'" in out["report_objective"]["stderr"]  # test_htmlreport.py
    optimize = out["optimize"]["stderr"]  # all four problems in one answer
    for text in ("none.nc' does not exist", "--objective 'median'", "'lots'", "frontier-points"):
        assert text in optimize
    best = out["optimize_best"]["stderr"]
    assert "is a directory, not a model file" in best and "needs a profit objective" in best
    scenario = out["scenario"]["stderr"]
    assert "none.nc' does not exist" in scenario and "need --horizon" in scenario
