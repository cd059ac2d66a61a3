"""Garbage collection in a command (issue 19, :mod:`bayes_mmm._gc`): the ``bayes-mmm`` entry
point turns the cyclic collector off while the command starts; the start of the long work
(sampling after the compile, loading a saved model, a batch) collects once, freezes what is
left and turns it back on. A Python session is never touched, and the draws are the same.
Checked in fresh interpreters (freezing this test process's objects would keep its garbage
for good); the seconds it saves are measured in ``benchmarks/results/speed.md``, not here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# a user's names: another date and target column, three channels with spaces
_FIT = textwrap.dedent(
    """
    import argparse, gc, json, sys, warnings
    from pathlib import Path
    import numpy as np
    import bayes_mmm as bm
    from bayes_mmm._gc import defer_collection

    def state():
        return {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}

    tmp = Path(sys.argv[1])
    sim = bm.simulate(60, channels=("TV spend", "Paid search", "social"), seed=3)
    frame = sim.frame.rename(columns={"date": "Week Start", "sales": "revenue"})
    data = bm.from_frame(frame, date="Week Start", target="revenue", channels=sim.channels,
                         controls=sim.controls)
    run = dict(chains=1, draws=30, tune=30, seed=1, progress=False)
    report = {"start": state()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = bm.fit(data, **run)
        report["session fit"] = state()
        bm.save(session, tmp / "model.nc")
        defer_collection()
        report["deferred"] = state()
        command = bm.fit(data, **run)
        report["command fit"] = state()
        defer_collection()
        bm.load(tmp / "model.nc")
        report["command load"] = state()
        defer_collection()
        from bayes_mmm.cli.batch import run_batch
        try:  # resumes before the jobs file is read
            run_batch(argparse.Namespace(workers=None, jobs=str(tmp / "missing.csv")))
        except Exception:
            pass
        report["command batch"] = state()
    a, b = (f.idata.posterior["roi"].to_numpy() for f in (session, command))
    report["same draws"] = bool(np.array_equal(a, b))
    report["roi shape"] = list(a.shape)
    print(json.dumps(report))
    """
)


def test_a_command_collects_again_when_its_work_starts_and_a_session_is_left_alone(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _FIT, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    start = report["start"]  # the interpreter freezes a few hundred objects of its own
    assert start["enabled"]
    assert report["session fit"] == start  # a session: neither disabled nor frozen
    assert report["deferred"]["enabled"] is False
    command = report["command fit"]
    assert command["enabled"] is True  # sampling resumed collection
    assert command["frozen"] > start["frozen"] + 100_000  # the start-up's objects
    for step in ("command load", "command batch"):
        assert report[step]["enabled"] is True, step
        assert report[step]["frozen"] > command["frozen"], step  # froze again
    assert report["roi shape"] == [1, 30, 3]
    assert report["same draws"]  # collection changes when memory is freed, not the draws


_ENTRY = textwrap.dedent(
    """
    import gc, json
    import bayes_mmm.cli as cli

    def main():  # what the command's work would see
        print(json.dumps({"enabled": gc.isenabled()}))
        return 0

    cli.main = main
    cli.run()
    """
)


def test_the_entry_point_starts_the_command_with_collection_off():
    done = subprocess.run(
        [sys.executable, "-c", _ENTRY], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"enabled": False}


def test_a_small_model_freezes_without_the_one_collection():
    """``resume_collection(collect=False)`` (a small model, ``samplers._large``) freezes and
    turns collection back on without collecting; ``collect=True`` collects once."""
    code = textwrap.dedent(
        """
        import gc, json
        from bayes_mmm._gc import defer_collection, resume_collection
        out = {}
        for collect in (False, True):
            phases = []
            gc.callbacks.append(lambda phase, info: phases.append(phase))
            defer_collection()
            resume_collection(collect=collect)
            gc.callbacks.clear()
            out[str(collect)] = [phases, gc.isenabled(), gc.get_freeze_count() > 0]
        print(json.dumps(out))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-800:]
    out = json.loads(done.stdout)
    assert out["False"] == [[], True, True]
    assert out["True"][0] == ["start", "stop"] and out["True"][1:] == [True, True]


def test_only_large_data_collect():
    import bayes_mmm as bm
    from bayes_mmm.inference.samplers import _large
    from bayes_mmm.model.build import build_model

    small = bm.simulate(104, channels=("tv", "search", "social", "display"), seed=1)
    geos = bm.simulate(156, channels=("tv", "search", "social", "display"), n_geos=8, seed=1)
    assert not _large(build_model(small.to_data()))
    assert _large(build_model(geos.to_data()))
