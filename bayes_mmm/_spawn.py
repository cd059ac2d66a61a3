"""Start a Python process running this bayes_mmm (the PNG worker, the compile helper)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def python_process(args: list[str], env: dict | None = None, **popen) -> subprocess.Popen | None:
    """``python -P *args`` with this bayes_mmm first on its path (whatever ``sys.path`` or the
    working folder hold: ``-P`` keeps the working folder off it), stdin a pipe, stderr
    discarded, in its own session (the caller stops it; Ctrl-C goes to the caller only).
    None when there is no interpreter to start (frozen or embedded Python) or it fails."""
    if not sys.executable or getattr(sys, "frozen", False):
        return None
    root = str(Path(__file__).resolve().parents[1])  # the folder holding bayes_mmm
    env = dict(os.environ, **(env or {}))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    popen = {"stdout": subprocess.DEVNULL, **popen}
    try:
        return subprocess.Popen(
            [sys.executable, "-P", *args],
            stdin=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            **popen,
        )
    except OSError:
        return None
