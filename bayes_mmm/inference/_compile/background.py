"""Compile the trampolines of a new signature in a second process while this one compiles
pytensor's functions (issue 19: the first fit of a structure, and of any model on a clean
machine).

The trampolines (:mod:`.trampolines`) of a signature never compiled on this machine cost ~6 s
of numba compilation, and depend only on the signature, which is known before pytensor's
functions are compiled. So a helper process compiles them into the on-disk cache while this
process compiles the logp and expansion functions (~25 s on a clean machine, ~5-10 s for a
new structure), on the other core; this process then loads them from the cache (~0.1 s).
Best effort: without a cache directory, or when the helper fails or is slow, this process
compiles them itself, as before. The helper has ended (or was killed) before sampling.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bayes_mmm.inference._compile import trampolines as tr

WAIT_S = 180.0  # at most this long for the helper after this process's own compilation
_CHILD = (
    "import sys; from bayes_mmm.inference._compile.trampolines import trampolines; "
    "trampolines(sys.stdin.read())"
)


def start(source: str) -> subprocess.Popen | None:
    """A helper process compiling the trampolines of ``source`` into the cache, or None when
    they are cached already (or cannot be)."""
    if tr.cache_dir() is None or tr.cached(source):
        return None
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])  # the directory holding bayes_mmm
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        proc.stdin.write(source.encode())
        proc.stdin.close()
    except OSError:
        return None
    return proc


def finish(proc: subprocess.Popen | None) -> None:
    """Wait for the helper (killed after ``WAIT_S``); whatever it left in the cache is then
    used, and what it did not, this process compiles."""
    if proc is None:
        return
    try:
        proc.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
