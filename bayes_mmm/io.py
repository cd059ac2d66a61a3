"""Saving and loading fitted models (one netCDF file, JSON attributes, no pickle) and
atomic writes of exported tables: every file is written under a temporary name and renamed."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import xarray as xr

from bayes_mmm._gc import resume_collection
from bayes_mmm.data.scaling import SPEND_UNIT
from bayes_mmm.inference.diagnostics import Diagnostics
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import data_from_idata
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

NETCDF_ENGINE = "h5netcdf"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class ModelFileError(ValueError):
    """A model file cannot be loaded (missing, not a bayes_mmm model, damaged); the message
    names the file."""


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_atomic(path: str | Path, writer: Callable[[Path], object]) -> Path:
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_csv(df: pd.DataFrame, path: str | Path, index: bool = False) -> Path:
    return write_atomic(path, lambda p: df.to_csv(p, index=index))


def json_ready(obj):
    """``obj`` with numbers as plain floats/ints and NaN/inf as ``None`` (JSON ``null``)."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    try:
        value = float(obj)
    except (TypeError, ValueError):
        return str(obj)
    if hasattr(obj, "dtype") and getattr(obj.dtype, "kind", "") in "iub":
        return int(obj) if obj.dtype.kind != "b" else bool(obj)
    return value if math.isfinite(value) else None


def write_json(obj: dict, path: str | Path) -> Path:
    """Strict JSON (``null`` for NaN, never the non-standard ``NaN``), written atomically."""
    text = json.dumps(json_ready(obj), indent=2, allow_nan=False)
    return write_atomic(path, lambda p: p.write_text(text))


def _netcdf_safe(tree: xr.DataTree) -> xr.DataTree:
    """Drop object-typed variables (e.g. nutpie's divergence messages) netCDF cannot hold."""
    groups = {}
    for node in tree.subtree:
        ds = node.to_dataset(inherit=False)
        drop = [k for k, v in ds.data_vars.items() if v.dtype == object]
        groups[node.path] = ds.drop_vars(drop)
    out = xr.DataTree.from_dict(groups)
    out.attrs.update(tree.attrs)
    return out


def save(fit: MMMFit, path: str | Path) -> Path:
    """Write the fit to one netCDF file (the DataTree; configuration in JSON attributes)."""
    tree = _netcdf_safe(fit.idata)
    with _no_client_lookup():
        return write_atomic(path, lambda p: tree.to_netcdf(p, engine=NETCDF_ENGINE))


@contextmanager
def _no_client_lookup() -> Iterator[None]:
    """xarray's netCDF writer imports ``distributed`` (0.25-0.5 s) on every write, through
    dask's scheduler lookup, only to see whether a dask ``Client`` is active. None can be
    before ``distributed`` was imported: then that import fails fast (xarray and dask expect
    the ImportError and pick the threaded scheduler's lock, as they do without a client)."""
    names = ("distributed", "dask.distributed")
    if any(name in sys.modules for name in names):
        yield
        return
    sys.modules.update(dict.fromkeys(names))  # None: "not importable" until restored
    try:
        yield
    finally:
        for name in names:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def from_idata(tree: xr.DataTree) -> MMMFit:
    """Rebuild an MMMFit from a DataTree written by :func:`save` (or made by ``fit``); files
    in another unit of spend (unreleased development versions) are refused."""
    missing = [a for a in (D.ATTR_SPEC, D.ATTR_DATA, D.ATTR_PRIORS) if a not in tree.attrs]
    if missing:
        raise ValueError(f"not a bayes_mmm model file: attributes {missing} are missing")
    unit = tree.attrs.get(D.ATTR_SPEND_UNIT)
    if unit != SPEND_UNIT:
        raise ValueError(
            f"this model file measures spend in {unit!r}, not {SPEND_UNIT!r}: it was written by "
            "another version of bayes_mmm; fit the model again"
        )
    priors = {k: Prior.from_dict(v) for k, v in json.loads(tree.attrs[D.ATTR_PRIORS]).items()}
    return MMMFit(
        idata=tree,
        data=data_from_idata(tree),
        spec=ModelSpec.from_json(tree.attrs[D.ATTR_SPEC]),
        priors=priors,
        diagnostics=Diagnostics.from_json(tree.attrs[D.ATTR_DIAGNOSTICS]),
    )


def load(path: str | Path) -> MMMFit:
    """Load a model saved with :func:`save` (netCDF + JSON; nothing is unpickled).

    Raises :class:`ModelFileError` naming the file when it is missing, a directory, not a
    netCDF file (a pickle is never read), or not a complete bayes_mmm model.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file '{path}' does not exist")
    if not path.is_file():
        raise ModelFileError(f"model file '{path}' is a directory, not a model file (model.nc)")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as err:
        raise ModelFileError(f"model file '{path}' cannot be read: {err.strerror}") from None
    if head != HDF5_SIGNATURE:
        raise ModelFileError(
            f"model file '{path}' is not a netCDF model file (as written by bayes_mmm.save or "
            "'bayes-mmm fit'); nothing else is read (in particular no pickle)"
        )
    try:
        with xr.open_datatree(path, engine=NETCDF_ENGINE) as tree:
            tree = tree.load()
        fit = from_idata(tree)
    except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as err:
        raise ModelFileError(
            f"model file '{path}' is not a complete bayes_mmm model ({type(err).__name__}: {err})"
        ) from None
    resume_collection()  # a command on a saved model: its start-up ends here (bayes_mmm._gc)
    return fit
