"""nutpie's sampler without ArviZ's whole stack on the command's wall clock.

nutpie's ``sample`` module imports ``arviz`` at the top (ArviZ 1.x: arviz_base, arviz_stats
with SciPy, arviz_plots with ``matplotlib.pyplot``: ~1 s in a fresh process, before the
first draw) for one use, turning the finished trace into a DataTree, which the fit then takes
apart again. Here nutpie is imported with ``arviz`` standing for ArviZ's data functions
(``arviz_base``, where ArviZ 1.x defines them), the trace is asked for raw (nutpie's public
``return_raw_trace``) and read into the posterior and sample-stats Datasets directly; the
plotting stack is never imported by a fit (its figures are drawn in the PNG worker process).
Private to nutpie 0.16's layout (pinned ``<0.17``); ``tests/test_nutpie_trace.py`` checks
the Datasets equal what nutpie's own conversion gives.
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np
import xarray as xr


class _ArvizData(ModuleType):
    """What nutpie's ``import arviz`` binds: ArviZ's data functions, loaded on first use."""

    def __getattr__(self, name: str):
        import arviz_base

        return getattr(arviz_base, name)


def import_nutpie() -> ModuleType:
    """``nutpie``, imported without ``arviz`` unless something imported ArviZ already."""
    if "nutpie" in sys.modules or "arviz" in sys.modules:
        import nutpie

        return nutpie
    stand_in = _ArvizData("arviz")
    sys.modules["arviz"] = stand_in
    try:
        import nutpie
    finally:
        if sys.modules.get("arviz") is stand_in:
            del sys.modules["arviz"]  # a later ``import arviz`` gets the real one
    return nutpie


def _column(batch, name: str) -> tuple[np.ndarray, tuple[int, ...], list[str]]:
    """One Arrow column as ``(values (rows, *shape), shape, dims)``; nulls as nutpie reads
    them: NaN in floats, 0 in integers and booleans, None in text."""
    import pyarrow as pa

    col = batch.column(name)
    meta = col.field.metadata or {}
    shape = tuple(int(s) for s in meta.get(b"shape", b"").decode().split(",") if s)
    dims = [d for d in meta.get(b"dims", b"").decode().split(",") if d]
    arr = pa.array(col)
    if pa.types.is_large_list(arr.type) or pa.types.is_list(arr.type):
        values = arr.flatten().to_numpy(zero_copy_only=False)
    elif arr.null_count and pa.types.is_floating(arr.type):
        values = arr.fill_null(np.nan).to_numpy(zero_copy_only=False)
    elif arr.null_count and (pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type)):
        values = arr.fill_null(pa.scalar(0).cast(arr.type)).to_numpy(zero_copy_only=False)
    else:
        values = arr.to_numpy(zero_copy_only=False)
    return values.reshape((batch.num_rows, *shape)), shape, dims


def _stack(per_chain: list[np.ndarray]) -> np.ndarray:
    """Chains of possibly different lengths (a trace cut short) as ``(chain, draw, ...)``,
    padded as nutpie pads them: NaN for floats, None for objects, zeros otherwise."""
    n = max(len(v) for v in per_chain)
    first = per_chain[0]
    if first.dtype.kind == "f":
        fill = np.nan
    elif first.dtype.kind == "O":
        fill = None
    else:
        fill = 0
    out = np.full((len(per_chain), n, *first.shape[1:]), fill, dtype=first.dtype)
    for i, v in enumerate(per_chain):
        out[i, : len(v)] = v
    return out


def _dataset(batches, keep, names, coords: dict) -> xr.Dataset:
    """The columns ``names`` of every chain's batch, rows ``keep[chain]``, as a Dataset."""
    data = {}
    for name in names:
        parts = [_column(b, name) for b in batches]
        values = _stack([p[0][k] for p, k in zip(parts, keep, strict=True)])
        _, shape, dims = parts[0]
        dims = dims if len(dims) == len(shape) else [f"{name}_dim_{i}" for i in range(len(shape))]
        data[name] = (("chain", "draw", *dims), values)
    n_chains, n_draws = len(batches), max(int(k.sum()) for k in keep)
    used = {d for dims, _ in data.values() for d in dims}
    coords = {k: v for k, v in coords.items() if k in used}
    coords.update(chain=np.arange(n_chains), draw=np.arange(n_draws))
    return xr.Dataset(data, coords=coords)


def trace_datasets(raw, compiled, attrs: dict | None = None) -> tuple[xr.Dataset, xr.Dataset]:
    """``(posterior, sample_stats)`` of nutpie's raw trace: the draws after tuning, the
    compiled model's coordinates, the scalar sampler statistics nutpie reports by default
    (vector-valued ones such as the gradient are stored only when asked for)."""
    draws, stats = raw.get_arrow_trace()
    keep = [~_column(s, "tuning")[0].astype(bool) for s in stats]
    hidden = set(getattr(compiled, "reparameterized_names", None) or ())
    coords = {k: list(v) for k, v in (compiled.coords or {}).items()}
    posterior = _dataset(draws, keep, [n for n in draws[0].column_names if n not in hidden], coords)
    scalar = [
        n
        for n in stats[0].column_names
        if n not in ("chain", "draw")
        and not (stats[0].column(n).field.metadata or {}).get(b"shape")
    ]
    sample_stats = _dataset(stats, keep, scalar, {})
    sample_stats.attrs.update(attrs or {})
    return posterior, sample_stats
