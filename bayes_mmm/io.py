"""Saving and loading fitted models (one netCDF file, JSON attributes, no pickle) and
atomic writes of exported tables: every file is written under a temporary name and renamed."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import xarray as xr

from bayes_mmm.data.scaling import SPEND_UNIT
from bayes_mmm.inference.diagnostics import Diagnostics
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import data_from_idata
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

NETCDF_ENGINE = "h5netcdf"


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


def write_json(obj: dict, path: str | Path) -> Path:
    return write_atomic(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=float)))


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
    return write_atomic(path, lambda p: tree.to_netcdf(p, engine=NETCDF_ENGINE))


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
    """Load a model saved with :func:`save` (netCDF + JSON; nothing is unpickled)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file '{path}' does not exist")
    with xr.open_datatree(path, engine=NETCDF_ENGINE) as tree:
        tree = tree.load()
    return from_idata(tree)
