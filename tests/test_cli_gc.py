"""Garbage collection in a command (issue 19, :mod:`bayes_mmm._gc`): the ``bayes-mmm`` entry
point turns the cyclic collector off while the command starts; sampling turns it back on
with what exists then frozen. A Python session is never touched. Checked in a fresh
interpreter (freezing this test process's objects would keep its garbage for good); the
seconds it saves are measured in ``benchmarks/results/speed.md``, not here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SCRIPT = textwrap.dedent(
    """
    import gc, json, warnings
    import bayes_mmm as bm
    from bayes_mmm._gc import defer_collection

    def state():
        return {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}

    data = bm.simulate(60, channels=("tv", "search"), seed=3).to_data()
    report = {"start": state()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bm.fit(data, chains=1, draws=20, tune=20, seed=1, progress=False)
        report["session fit"] = state()
        defer_collection()
        report["deferred"] = state()
        bm.fit(data, chains=1, draws=20, tune=20, seed=1, progress=False)
        report["command fit"] = state()
    print(json.dumps(report))
    """
)


def test_a_command_collects_again_once_sampling_starts_and_a_session_is_left_alone():
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    start = report["start"]  # the interpreter freezes a few hundred objects of its own
    assert start["enabled"]
    assert report["session fit"] == start  # a session: neither disabled nor frozen
    assert report["deferred"]["enabled"] is False
    assert report["command fit"]["enabled"] is True  # sampling resumed collection
    assert report["command fit"]["frozen"] > start["frozen"] + 100_000  # the start-up's
