"""The notebooks in ``notebooks/``: each runs top to bottom in a fresh kernel in fast mode
(``BAYES_MMM_FAST=1``: fewer draws), and each is committed executed in full mode, small, and
free of machine-specific details. Outputs are regenerated with ``scripts/run_notebooks.py``.

Also the bundled 30-week advertising table the notebooks use."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import bayes_mmm as bm

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts/run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)

NOTEBOOKS = run_notebooks.notebooks()
EXPECTED = [
    "01_quickstart",
    "02_ground_truth_recovery",
    "03_small_data_advertising",
    "04_budget_planning",
    "05_geo_data",
]


def test_every_notebook_is_here():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_fast_mode(path, tmp_path):
    """Top to bottom in a fresh kernel, working directory a temporary folder (exports land
    there); a cell that raises fails the test with the cell and its traceback."""
    nb = run_notebooks.execute(path, fast=True, workdir=tmp_path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert "fast settings" in run_notebooks.output_text(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_executed_in_full_mode(path):
    """Committed with outputs (they read well on GitHub): every code cell run once, in order,
    with the full settings, no errors, under the size budget, no absolute paths."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), (
        f"{path.name} is not executed top to bottom; run scripts/run_notebooks.py"
    )
    text = run_notebooks.output_text(nb)
    assert "full settings" in text, f"{path.name} was executed in fast mode"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert path.stat().st_size < run_notebooks.MAX_BYTES
    for leak in run_notebooks.leak_patterns(ROOT / "notebooks"):
        assert leak not in text, f"{path.name} output mentions {leak!r}"
    for cell in code:
        assert "execution" not in cell.metadata


def test_advertising_table_is_the_seed_table():
    """The 30 rows printed in the seed notebook, with weekly dates."""
    data = bm.load_advertising()
    assert data.n_dates == 30
    assert data.channels == ("TV", "Radio", "Newspaper")
    assert data.period_days == 7
    assert str(data.dates[0].date()) == "2024-01-01"
    np.testing.assert_allclose(data.spend[0], [230.1, 37.8, 69.2])
    np.testing.assert_allclose(data.spend[-1], [70.6, 16.0, 40.8])
    np.testing.assert_allclose(data.spend.sum(axis=0), [4111.1, 725.4, 1101.5])
    assert data.target.sum() == pytest.approx(404.3)
