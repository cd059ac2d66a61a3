"""Saying what compiling is doing and about how long it takes, before it starts (issue 19).

A model whose compiled functions are not in :mod:`.graph_store` is compiled once; how long
that takes depends on what this machine compiled before:

- ``first``: nothing compiled in the cache directory before and pytensor's numba cache
  empty: every kernel is compiled (23.6-26.8 s measured on 2 cores at load ~1 with the
  trampolines and the expansion function in a helper process, :mod:`.background`, and no
  shape check in the logp; 34-36 s before;
  138 s at load 7; ``FIRST_S`` leaves room for a busier machine);
- ``structure``: a model structure never compiled here (other channels' count does not
  matter, other components or priors' families do): ~7-15 s (``STRUCTURE_S``), or the last
  such compile measured here;
- ``shape``: a structure compiled here before whose stored functions are gone (pruned or
  unreadable): the graph is built and rewritten again, its machine code comes from
  pytensor's cache (~2-3 s, ``SHAPE_S``), or the last such compile measured here. Data of
  another length or channel count need no compile at all: the stored functions are
  shape-generic (:mod:`.generic`).

Estimates scale with the size of the rewritten logp (its node count, known once the graph is
built, before the long numba compile): per ``REFERENCE_NODES`` nodes for the fixed ones,
per node for a measured one (a delayed-logistic structure after the demo: ~15 s said, 14.2
s taken; then a 4-geo model: ~23 s said, 47.4 s taken, its kernels new where the national
ones were mostly cached: still low, but no longer the national model's ~14 s).

Measured seconds are kept in ``compile_seconds.json`` in the cache directory (best effort:
an unreadable or unwritable file means the fixed estimates). The caller logs
:func:`compile_message` before compiling and :func:`reuse_message` when it reuses a model.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from bayes_mmm.inference._compile.trampolines import _writable_dir, cache_dir

FILE = "compile_seconds.json"
FIRST_S, STRUCTURE_S, SHAPE_S = 35.0, 15.0, 3.0
# the fixed estimates are for a logp of this many nodes (the default national model's);
# compile time grows with the count: geo 339 nodes 48-52 s and pooled shapes 444 nodes
# ~69 s on a clean machine, against 176 nodes ~22 s
REFERENCE_NODES = 176
MAX_STRUCTURES = 256  # structures remembered (the oldest are forgotten)


def _path() -> Path | None:
    base = cache_dir()
    directory = _writable_dir(base) if base is not None else None
    return directory / FILE if directory is not None else None


def _read() -> dict:
    path = _path()
    try:
        record = json.loads(path.read_text()) if path is not None else {}
    except (OSError, ValueError):
        record = {}
    if not isinstance(record, dict) or not isinstance(record.get("structures"), list):
        record = {"structures": []}
    return record


def kind_of(structure: str) -> str:
    """``"first"``, ``"structure"`` or ``"shape"`` for a compile of ``structure`` now."""
    record = _read()
    if structure in record["structures"]:
        return "shape"
    base = cache_dir()
    stored = base is not None and any((base / "graphs").glob("*.pkl"))  # older versions
    return "structure" if record["structures"] or stored or _kernels_cached() else "first"


def _kernels_cached() -> bool:
    """Whether pytensor's numba cache holds anything (its kernels are then mostly loaded)."""
    try:
        from pytensor import config

        return any((Path(config.base_compiledir) / "numba").iterdir())
    except Exception:  # no such directory, another pytensor layout: assume a first compile
        return False


def _positive(value) -> bool:
    return isinstance(value, int | float) and value > 0


def expected_seconds(kind: str, nodes: int | None = None) -> float:
    """About how long a compile of ``kind`` of a logp of ``nodes`` nodes takes here: the
    last one measured, per node when both are known, else the fixed estimate (per
    ``REFERENCE_NODES`` nodes)."""
    record = _read()
    last, per_node = record.get(kind), record.get(f"{kind}_per_node")
    if nodes and _positive(per_node):
        return float(per_node) * nodes
    if _positive(last):
        return float(last)
    fixed = {"first": FIRST_S, "structure": STRUCTURE_S, "shape": SHAPE_S}[kind]
    return fixed * nodes / REFERENCE_NODES if nodes else fixed


def compile_message(kind: str, nodes: int | None = None) -> str:
    """What is about to happen, for the log: ``compiling the model once (~N s); ...``."""
    if cache_dir() is None:
        return "compiling the model (the compile cache is off: BAYES_MMM_CACHE_DIR=off)"
    where = {
        "first": ", the first compile on this machine",
        "structure": "",
        "shape": ": a structure compiled before, its stored graph gone",
    }[kind]
    seconds = expected_seconds(kind, nodes)
    later = "later fits of this structure reuse it"
    return f"compiling the model once (~{seconds:.0f} s{where}); {later}"


def reuse_message(where: str) -> str:
    """``where``: ``"process"`` (compiled earlier in this process) or ``"disk"``."""
    if where == "process":
        return "reusing the model compiled earlier in this process"
    return "reusing the compiled model of this structure (compile cache)"


def record(structure: str, kind: str, seconds: float, nodes: int | None = None) -> None:
    """Remember that ``structure`` (a logp of ``nodes`` nodes) was compiled in ``seconds``
    (a compile of ``kind``)."""
    path = _path()
    if path is None:
        return
    data = _read()
    structures = [s for s in data["structures"] if s != structure] + [structure]
    data["structures"] = structures[-MAX_STRUCTURES:]
    data[kind] = round(float(seconds), 2)
    if nodes:
        data[f"{kind}_per_node"] = round(float(seconds) / nodes, 5)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{FILE}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
