"""Ctrl-C (SIGINT) and SIGTERM, during sampling and while writing, in a real process: the
command says "interrupted", exits 130 and writes nothing to ``--out`` (an earlier output
there stays as it was). Interrupted while writing, the finished fit is kept in
``<out>.partial/model.nc``. nutpie returns its draws so far on Ctrl-C instead of raising: the
sampler must not go on to the diagnostics with a cut trace."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bayes_mmm.cli import EXIT_INTERRUPTED

# the CLI with a line on stderr when the phase to interrupt has begun
WRAPPER = """
import sys, time
import nutpie
import bayes_mmm.export as report
from bayes_mmm.cli import main

original_sample, original_json = nutpie.sample, report.write_json

def sample(*args, **kwargs):
    print("PHASE sampling", file=sys.stderr, flush=True)
    return original_sample(*args, **kwargs)

def write_json(*args, **kwargs):
    print("PHASE writing", file=sys.stderr, flush=True)
    time.sleep(120)
    return original_json(*args, **kwargs)

nutpie.sample = sample
report.write_json = write_json
sys.exit(main(sys.argv[1:]))
"""

SAMPLING = ["--chains", "2", "--draws", "500000", "--tune", "100", "--seed", "1"]
WRITING = ["--sampler", "laplace", "--chains", "1", "--draws", "100", "--seed", "1"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


def _run_and_interrupt(
    argv: list[str], phase: str, sig: int, wait: float = 1.5
) -> tuple[int, str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *argv],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    started = threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if line.strip() == f"PHASE {phase}":
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(240), "".join(lines)
        time.sleep(wait)  # well inside the phase
        t0 = time.perf_counter()
        proc.send_signal(sig)
        code = proc.wait(60)
        seconds = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(10)
    return code, "".join(lines), seconds


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_during_sampling_writes_nothing(sig, tmp_path):
    out = tmp_path / "out"
    argv = ["demo", "--out", str(out), *SAMPLING]
    code, err, seconds = _run_and_interrupt(argv, "sampling", sig)
    assert code == EXIT_INTERRUPTED, err
    assert f"interrupted: nothing was written to {out}" in err
    assert "Traceback" not in err and "TypeError" not in err
    assert seconds < 30  # stopped, not sampled to the end
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no output, staging or partial


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_while_writing_leaves_out_untouched_and_keeps_the_fit(sig, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".bayes_mmm").write_text("{}")
    (out / "summary.csv").write_text("an earlier run's summary")
    before = _tree(out)
    argv = ["demo", "--out", str(out), *WRITING]
    code, err, _ = _run_and_interrupt(argv, "writing", sig)
    assert code == EXIT_INTERRUPTED, err
    assert f"interrupted: nothing was written to {out}" in err and "Traceback" not in err
    assert _tree(out) == before  # the earlier summary.csv is left alone
    kept = tmp_path / "out.partial" / "model.nc"
    assert f"The fitted model is kept in {kept}" in err and kept.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.partial"]


def test_keep_interrupted_keeps_the_draws_so_far_marked(tmp_path):
    import bayes_mmm as bm

    out = tmp_path / "out"
    argv = ["demo", "--out", str(out), *SAMPLING, "--keep-interrupted"]
    code, err, _ = _run_and_interrupt(argv, "sampling", signal.SIGINT, wait=4.0)
    assert code == EXIT_INTERRUPTED, err
    assert f"interrupted: nothing was written to {out}" in err
    kept = tmp_path / "out.interrupted" / "model.nc"
    assert f"the draws so far are kept in {kept}" in err and "not a finished fit" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.interrupted"]
    fit = bm.load(kept)
    draws = fit.diagnostics.draws
    assert 0 < draws < 500000 and fit.diagnostics.chains == 2
    assert f"interrupted after {draws} of 500000 draws" in fit.idata.attrs["bayes_mmm_interrupted"]
    assert fit.posterior["roi"].notnull().all()  # whole draws only, no NaN padding
