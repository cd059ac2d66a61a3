"""The command line answers ``--help`` and bad input without the PyMC stack (issue 12 item 7,
issue 19): ``import bayes_mmm``, the parser, every ``--help`` and every bad-input case of
``tests/test_bad_input.py`` that needs no saved model run in a fresh process that must end
with none of pymc, pytensor, nutpie, numba, arviz (and arviz_base/arviz_stats), matplotlib
or xarray imported. The assertion is on the imported modules, not on seconds (the wall
times are measured in ``benchmarks/cli_speed.py``).

Also: the lazy top-level namespace still offers every public name (``from bayes_mmm import
X``, ``dir``), and the static table of PyMC distributions used to check priors without PyMC
matches PyMC's own distributions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bayes_mmm as bm
from bayes_mmm.model.distributions import CONTINUOUS, pymc_continuous

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pymc", "pytensor", "nutpie", "numba", "arviz", "arviz_base", "arviz_stats")
HEAVY += ("matplotlib", "xarray")

# run in a fresh interpreter: the modules imported are those the command line needed
_SCRIPT = textwrap.dedent(
    """
    import contextlib, importlib.util, io, json, sys
    from pathlib import Path

    import pandas as pd

    HEAVY, root, tmp = set(json.loads(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])

    def heavy():
        return sorted({m.split(".")[0] for m in sys.modules} & HEAVY)

    from bayes_mmm.cli import main
    import bayes_mmm

    report = {"import": heavy(), "help": {}, "codes": {}, "first_heavy": None}
    for command in ([], ["fit"], ["demo"], ["report"], ["optimize"], ["scenario"], ["batch"]):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main([*command, "--help"])
            except SystemExit as exit:
                report["help"][" ".join(command) or "-"] = exit.code
    report["after_help"] = heavy()
    spec = importlib.util.spec_from_file_location("bad_cases", root / "tests" / "test_bad_input.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    frame = pd.read_pickle(tmp / "frame.pkl")
    for name, case in sorted(cases.CASES.items()):
        if name.startswith("report_"):  # these read a saved model: not before sampling
            continue
        folder = tmp / name
        folder.mkdir()
        argv, _ = case(cases.Ctx(frame, folder, folder / "results"))
        with contextlib.redirect_stderr(io.StringIO()):
            report["codes"][name] = main(argv)
        if heavy() and report["first_heavy"] is None:
            report["first_heavy"] = [name, heavy()]
    report["end"] = heavy()
    print(json.dumps(report))
    """
)


@pytest.fixture(scope="module")
def cli_report(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("import_light")
    # the table tests/test_bad_input.py derives its cases from (conftest's make_frame)
    sim = bm.simulate(60, channels=("tv", "search"), period_days=7, seed=3)
    sim.frame.to_pickle(tmp / "frame.pkl")
    argv = [sys.executable, "-c", _SCRIPT, json.dumps(HEAVY), str(ROOT), str(tmp)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_and_help_load_no_pymc_stack(cli_report):
    assert cli_report["import"] == []
    assert set(cli_report["help"]) == {"-", "fit", "demo", "report", "optimize", "scenario"} | {
        "batch"
    }
    assert all(code == 0 for code in cli_report["help"].values()), cli_report["help"]
    assert cli_report["after_help"] == []


def test_bad_input_is_answered_without_the_pymc_stack(cli_report):
    codes = cli_report["codes"]
    assert len(codes) >= 60, len(codes)
    assert all(code == 2 for code in codes.values()), codes
    assert cli_report["first_heavy"] is None, cli_report["first_heavy"]
    assert cli_report["end"] == []


def test_lazy_namespace_offers_every_public_name():
    assert set(bm.__all__) <= set(dir(bm))
    for name in bm.__all__:
        assert getattr(bm, name) is not None, name
    from bayes_mmm import MMMFit, fit, roi_table

    assert fit is bm.fit and MMMFit is bm.MMMFit and roi_table is bm.roi_table
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        bm.not_a_name  # noqa: B018


def test_distribution_table_matches_pymc():
    """A PyMC release that adds, drops or renames a distribution or parameter fails here."""
    assert CONTINUOUS == pymc_continuous()


def test_prior_checks_use_the_table():
    with pytest.raises(ValueError, match="not a continuous PyMC distribution"):
        bm.Prior("Poisson", mu=1.0)
    with pytest.raises(ValueError, match=r"has no parameter\(s\) \['sd'\]"):
        bm.Prior("Normal", mu=0.0, sd=1.0)
    assert bm.Prior("Normal", mu=0.0, sigma=1.0).sample((3,)).shape == (3,)


def test_subpackages_resolve_from_the_lazy_namespace():
    """``bm.io`` and other modules not in the export table still import on first read."""
    import bayes_mmm as bm

    assert callable(bm.io.write_csv)
    assert callable(bm.checking.compare_variants) or hasattr(bm.checking, "__path__")
    with pytest.raises(AttributeError, match="no attribute 'not_a_module'"):
        bm.not_a_module  # noqa: B018
