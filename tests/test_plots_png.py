"""The PNGs of a fit's outputs drawn in a worker process (issue 19, ``bayes_mmm.plots.png``)
are byte for byte those drawn in the process itself; a worker that dies costs nothing but
time; and the worker loads matplotlib, not the analysis stack, to unpickle a figure."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.export import write_fit_outputs
from bayes_mmm.plots import png
from bayes_mmm.plots.analysis import plot_fit


def _pngs(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "plots").glob("*.png"))}


@pytest.fixture
def drawn_here(monkeypatch) -> list:
    """Figures drawn in this process."""
    local, real = [], png.render

    def counting(fig, dpi):
        local.append(fig)
        return real(fig, dpi)

    monkeypatch.setattr(png, "render", counting)
    return local


def test_worker_pngs_equal_those_drawn_here(demo_fit, tmp_path, monkeypatch, drawn_here):
    monkeypatch.setenv(png.WORKER_ENV, "0")
    write_fit_outputs(demo_fit, tmp_path / "here", progress=False, html=False)
    here = _pngs(tmp_path / "here")
    assert len(drawn_here) == len(here) >= 7
    drawn_here.clear()
    monkeypatch.setenv(png.WORKER_ENV, "1")
    write_fit_outputs(demo_fit, tmp_path / "worker", progress=False, html=False)
    assert len(drawn_here) < len(here)  # the worker drew some (at least the first)
    assert _pngs(tmp_path / "worker") == here


def test_a_dead_worker_leaves_every_png_drawn_here(demo_fit, tmp_path, monkeypatch, drawn_here):
    def dead_worker():
        cmd = [sys.executable, "-c", "pass"]  # exits at once: every send or read fails
        return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    monkeypatch.setattr(png, "_start_worker", dead_worker)
    monkeypatch.setenv(png.WORKER_ENV, "1")
    write_fit_outputs(demo_fit, tmp_path, progress=False, html=False)
    assert len(drawn_here) == len(_pngs(tmp_path)) >= 7


def test_the_worker_unpickles_a_figure_with_matplotlib_only(demo_fit):
    figure = pickle.dumps(plot_fit(Analysis(demo_fit)))
    code = (
        "import pickle, sys; pickle.loads(sys.stdin.buffer.read()); "
        "print(sorted(m for m in ('xarray', 'pandas', 'arviz', 'pymc', 'bayes_mmm.analysis') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], input=figure, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert done.stdout.decode().strip() == "[]"


def test_a_prestarted_warm_worker_is_taken_by_the_next_writer(demo_fit, monkeypatch, drawn_here):
    """A command starts the worker before sampling (``prestart``); it has drawn a warm-up
    figure, and the PNGs it returns are still those drawn here."""
    monkeypatch.setenv(png.WORKER_ENV, "1")
    png.prestart()
    proc = png._prestarted[0]
    figure = plot_fit(Analysis(demo_fit))
    with png.PngWriter(60) as pngs:
        assert pngs._proc is proc and not png._prestarted
        pngs.submit("fit", figure)
        with pngs._cond:  # let the worker take it (results() draws what it has not taken)
            assert pngs._cond.wait_for(lambda: "fit" in pngs._done, timeout=60)
        received = pngs.results()["fit"]
    assert not drawn_here  # the worker drew it
    assert received == png.render(figure, 60)


def test_a_dead_prestarted_worker_is_replaced(monkeypatch):
    monkeypatch.setenv(png.WORKER_ENV, "1")
    png.prestart()
    proc = png._prestarted[0]
    proc.kill()
    proc.wait()
    with png.PngWriter(60) as pngs:
        assert pngs._proc is not None and pngs._proc is not proc
    assert not png._prestarted
