"""Rewritten pytensor functions of a model structure, kept on disk across processes.

Building the logp-and-gradient graph of a PyMC model and running pytensor's rewrites on it
takes ~1 s per process, although models of one structure (``bayes_mmm.model.build`` puts every
data-dependent number in ``pm.Data``) always give the same rewritten graph. The first process
to compile a structure stores the two compiled pytensor functions nutpie calls (logp+gradient
and the expansion to the trace variables; shape-generic, :mod:`.generic`) here under the
structure's key; a later process loads them, for data of any length and channel count, and
skips graph building and rewriting, and pytensor finds the machine code in its own numba
cache.

- **Key** (the structure key of :func:`graph_keys`): the printed graphs of every random
  variable, deterministic and potential (so the whole model, with data as named shared
  variables) and the values of their constants, the versions of python, numpy, pytensor,
  pymc, nutpie, numba and bayes_mmm, pytensor's compile settings (floatX, optimizer,
  ...), and the source of this module, ``fast.py`` and ``generic.py``. A change to
  any of them is a new entry; entries are never updated in place.
- **No data on disk**: the shared variables are zeroed while pickling and set to the model's
  own data after loading (matched by name and rank, else the entry is not used).
- **Trust**: entries are pickles, read only from the cache directory of
  :mod:`.trampolines` (the same trust as numba's and pytensor's own caches, which
  pickle too, and as the trampolines, which are imported from there), only when the file
  belongs to the current user and is not writable by others. Saved *fits* never unpickle:
  this is a compile cache only. A file that fails to load is removed; writes are atomic; at
  most ``MAX_ENTRIES`` entries are kept (the least recently used go first).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

from bayes_mmm.inference._compile.trampolines import _writable_dir, cache_dir

FORMAT = 2  # 2: shape-generic functions (generic.py) under the structure key
MAX_ENTRIES = 64  # ~1 MB each; the least recently used beyond this are removed
_PACKAGES = ("numpy", "pytensor", "pymc", "nutpie", "numba", "bayes-mmm")


def _directory() -> Path | None:
    base = cache_dir()
    return _writable_dir(base / "graphs") if base is not None else None


def graph_key(model) -> str:
    """A fingerprint of everything the compiled functions depend on except the data values."""
    return graph_keys(model)[0]


def graph_keys(model) -> tuple[str, str]:
    """:func:`graph_key`, and the key of the model's *structure*: the same without the data
    shapes and coordinate sizes (data sets of another length or channel count share it; it
    says whether pytensor's numba kernels were compiled before, :mod:`.estimate`)."""
    from pytensor.graph import Constant
    from pytensor.graph.traversal import ancestors
    from pytensor.printing import debugprint

    variables = [*model.free_RVs, *model.observed_RVs, *model.deterministics, *model.potentials]
    printed = debugprint(variables, file="str", print_type=True)
    binary = hashlib.sha256()  # debugprint abbreviates long constants: hash their values
    for var in ancestors(variables):
        if isinstance(var, Constant) and isinstance(var.data, np.ndarray):
            binary.update(np.ascontiguousarray(var.data).tobytes())
    # and how entries are made and read: a change to either module must not reuse old ones
    for module in ("fast.py", "generic.py", "graph_store.py"):
        binary.update((Path(__file__).parent / module).read_bytes())
    transforms = [type(model.rvs_to_transforms.get(v)).__name__ for v in model.free_RVs]
    shapes = [(v.name, np.shape(v.get_value())) for v in model.data_vars]
    sizes = {k: len(v) if v is not None else None for k, v in model.coords.items()}
    versions = [sys.version, *(version(p) for p in _PACKAGES), _pytensor_config()]
    common = f"{FORMAT}|{versions}|{model.check_bounds}|{transforms}|{printed}"
    common += binary.hexdigest()
    key = hashlib.sha256(f"{shapes}|{sizes}|{common}".encode()).hexdigest()[:32]
    return key, hashlib.sha256(common.encode()).hexdigest()[:32]


def _pytensor_config() -> str:
    """The pytensor settings that change the compiled functions (a process with other flags,
    e.g. float32 in a benchmark, must not share entries with this one)."""
    import pytensor

    c = pytensor.config
    names = ("floatX", "optimizer", "optimizer_including", "optimizer_excluding")
    # not numba__fastmath: the compile always turns it off (fast.exact_float_math), so the
    # key is the same inside and outside that setting
    names += ("optimizer_requiring", "cast_policy", "mode", "linker")
    return repr([(n, str(getattr(c, n, None))) for n in names])


def _shared(functions) -> list:
    return [var for fn in functions for var in fn.get_shared()]


def save(key: str, entry: dict) -> bool:
    """Store ``entry`` (``logp`` and ``expand``: pytensor functions; the rest plain values)
    under ``key``, with the shared data zeroed. Best effort: False when it could not."""
    directory = _directory()
    if directory is None:
        return False
    shared = _shared((entry["logp"], entry["expand"]))
    values = [var.get_value(borrow=True) for var in shared]
    try:
        for var, value in zip(shared, values, strict=True):
            var.set_value(np.zeros_like(value))
        payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return False
    finally:
        for var, value in zip(shared, values, strict=True):
            var.set_value(value, borrow=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / f"{key}.pkl")
        _prune(directory)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _prune(directory: Path) -> None:
    """Remove the least recently used entries beyond ``MAX_ENTRIES`` (best effort)."""
    entries = []
    for path in directory.glob("*.pkl"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            pass
    for _, path in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        try:
            path.unlink()
        except OSError:
            pass


def _trusted(path: Path) -> bool:
    """Owned by this user and writable by nobody else (POSIX; elsewhere the directory's
    permissions are the operating system's business, as for numba's cache)."""
    st = path.stat()
    getuid = getattr(os, "getuid", None)
    return getuid is None or (st.st_uid == getuid() and not st.st_mode & 0o022)


def read(key: str) -> dict | None:
    """The entry stored under ``key`` as stored (data zeroed), or None when there is none or
    its file is not trusted. Raises when the file cannot be unpickled."""
    directory = _directory()
    path = directory / f"{key}.pkl" if directory is not None else None
    if path is None or not path.exists() or not _trusted(path):
        return None
    with open(path, "rb") as fh:
        return pickle.load(fh)


def load(key: str, model, extra: dict | None = None) -> dict | None:
    """The entry stored under ``key`` with ``model``'s data (and ``extra``: values of shared
    variables that are not model data, by name) in its shared variables, or None (no entry,
    an untrusted file, or one that does not fit the model: then it is removed). The
    functions are shape-generic (:mod:`.generic`): the data's ranks must match, not their
    shapes."""
    directory = _directory()
    path = directory / f"{key}.pkl" if directory is not None else None
    try:
        entry = read(key)
        if entry is None:
            return None
        data = {v.name: v.get_value() for v in model.data_vars} | dict(extra or {})
        for var in _shared((entry["logp"], entry["expand"])):
            value = data[var.name]  # KeyError: not this model's data
            if np.ndim(value) != var.ndim:
                raise ValueError(f"rank of {var.name} differs")
            var.set_value(np.array(value, dtype=np.float64, copy=True))
        os.utime(path)  # recently used: kept by _prune
        return entry
    except Exception:
        try:
            path.unlink()
        except OSError:
            pass
        return None
