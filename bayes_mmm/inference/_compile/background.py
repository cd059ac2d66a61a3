"""A helper process that compiles parts of a model on the other core while this process
compiles the logp (issue 19: the first fit of a structure, and of any model on a clean
machine). One helper, two jobs in turn (two helpers beside the logp slowed it down):

- **the expansion function** (parameters to trace variables, ~2.5 s on a clean machine) of
  a structure just compiled and stored in :mod:`.graph_store`, on a clean machine only:
  loaded from there and compiled into pytensor's numba cache (it shares the forward
  model's kernels with the logp, so the logp compile here finds some of them cached). For
  a new structure on a machine that compiled before, the helper doing both was the slower
  of the two processes (a no-adstock model: 9.5-10.0 -> 11.7-12.0 s; a delayed-logistic
  one 15.1-16.0 -> 13.3-14.2 s), so there it compiles only the trampolines;
- **the trampolines** (:mod:`.trampolines`) of a signature never compiled on this machine
  (~6 s of numba compilation; they depend only on the signature, known before pytensor's
  functions are compiled), into bayes_mmm's cache.

This process waits for the helper after its logp and loads both from the caches (~0.1 s).
Clean machine, demo data: compile 35.6 s -> 25.6-26.5 s with the helper (23.6-26.8 s
after the lag-count change in ``Adstock.forward_pt``; benchmarks/results/speed.md). Best
effort: without a cache directory, or when the helper fails or is slow, this process
compiles them itself, as before. The helper has ended (or was killed) before sampling.
"""

from __future__ import annotations

import subprocess
import sys

from bayes_mmm._spawn import python_process
from bayes_mmm.inference._compile import trampolines as tr

# after its own compile this process waits for the helper at most as long again as that
# compile took, and at least MIN_WAIT_S; then it kills the helper and compiles the rest itself
MIN_WAIT_S = 20.0
_CHILD = "from bayes_mmm.inference._compile.background import child; child()"


def child() -> None:
    """The helper's work: the expansion function (first line of stdin: the structure key,
    or empty), then the trampolines (the rest: their source, or empty)."""
    structure, _, source = sys.stdin.read().partition("\n")
    if structure:
        try:
            compile_expand(structure)
        except Exception:  # this process then compiles it itself; the trampolines still help
            pass
    if source:
        tr.trampolines(source)


def _spawn(code: str, text: str) -> subprocess.Popen | None:
    """A python process running ``code`` with ``text`` on its stdin (None if it cannot)."""
    proc = python_process(["-c", code])
    if proc is None:
        return None
    try:
        proc.stdin.write(text.encode())
        proc.stdin.close()
    except OSError:
        stop(proc)
        return None
    return proc


def start(source: str, structure: str | None = None) -> subprocess.Popen | None:
    """A helper process compiling the expansion function stored under ``structure`` (just
    compiled and stored by this process; None: not needed) and then the trampolines of
    ``source`` (unless cached already); None when there is nothing to do or no cache."""
    if tr.cache_dir() is None:
        return None
    source = "" if tr.cached(source) else source
    if not source and structure is None:
        return None
    return _spawn(_CHILD, f"{structure or ''}\n{source}")


def compile_expand(structure: str) -> bool:
    """In the helper: compile the stored expansion function of ``structure`` (its inputs
    are the stored, zeroed data; only their types matter to the compile); whether it did."""
    import numpy as np

    from bayes_mmm.inference._compile import graph_store
    from bayes_mmm.inference._compile.fast import exact_float_math

    with exact_float_math():  # the flags the fitting process compiles with
        entry = graph_store.read(structure)
        if entry is None:
            return False
        fn = entry["expand"]
        shared = [np.array(v.get_value(), dtype=np.float64, order="C") for v in fn.get_shared()]
        try:
            fn.vm.jit_fn(np.zeros(entry["n_dim"]), *shared)  # compiled and cached, then run
        except Exception:  # running it on zeroed data may fail: the machine code is cached
            pass
    return bool(fn.vm.jit_fn.overloads)


def finish(proc: subprocess.Popen | None, own_seconds: float = 0.0) -> None:
    """Wait for the helper: at most ``max(MIN_WAIT_S, own_seconds)`` (the time this process
    spent compiling meanwhile), then it is killed; whatever it left in the caches is used,
    and what it did not, this process compiles."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.wait(timeout=max(MIN_WAIT_S, own_seconds))
    except subprocess.TimeoutExpired:
        stop(proc)


def stop(proc: subprocess.Popen | None) -> None:
    """End the helper now (this process failed or was interrupted)."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()
