"""Reuse a compiled model within a process: a refit of the same structure skips compilation.

Models of the same structure (components, priors' families, seasonality; any number of dates,
channels, controls or geos) build the same pytensor graphs and differ only in the values of
their ``pm.Data`` (see ``bayes_mmm.model.build``) and in the layout of the free variables,
which the compiled functions read as data too (:mod:`.generic`). The first fit of a structure
compiles it (:func:`bayes_mmm.inference._compile.fast.compile_nutpie`); a later fit of the
same structure in the same process takes that compiled model and swaps in its own data,
layout, initial-point function and coordinates (~0.1-0.2 s instead of 1-2 s). The draws are
identical to a fresh compilation's (tested): the compiled code is the same and every input is
the new model's. A memo entry's pytensor functions always hold the data of its latest use
(so use one compiled model at a time per structure, as ``bayes_mmm.inference.fit`` does).

The key is the structure key of :func:`bayes_mmm.inference._compile.graph_store.graph_keys`,
the one that also names the structure's compiled graphs on disk (~5 ms: the printed model
graph and its constants; the logp graph is not built). Any failure in reuse falls back to
compiling.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict

import numpy as np

from bayes_mmm.inference._compile import generic
from bayes_mmm.inference._compile.estimate import reuse_message
from bayes_mmm.inference._compile.fast import (
    CompileInfo,
    FastPathUnsupported,
    compile_nutpie,
    self_check,
)
from bayes_mmm.inference._compile.graph_store import graph_keys
from bayes_mmm.logs import log

MEMO_SIZE = 4
_MEMO: OrderedDict[str, object] = OrderedDict()
_LOCK = threading.Lock()


def with_model_data(compiled, model):
    """``compiled`` (of a model with the same structure, data of any shapes) on ``model``'s
    data, layout, initial points and coordinates; checked against pytensor's function at the
    new initial point."""
    from nutpie.compile_pymc import (
        _prepare_dims_and_coords,
        _rv_dict_to_flat_array_wrapper,
        _wrap_with_lock,
    )
    from pymc.initial_point import make_initial_point_fn

    lay = generic.layout(model)
    if list(lay.shape_info[0]) != list(compiled.shape_info[0]):
        raise FastPathUnsupported("the traced variables do not match the compiled model")
    data = {v.name: v.get_value() for v in model.data_vars} | {generic.LAYOUT: lay.vector}
    missing = set(compiled.shared_data) - set(data)
    if missing:
        raise FastPathUnsupported(f"shared variables not in the model's data: {sorted(missing)}")
    new = compiled.with_data(
        lay, **{n: data[n] for n in compiled.shared_data if n != generic.LAYOUT}
    )
    # the pytensor functions behind the trampolines (``logp_func``, used e.g. by the laplace
    # sampler) read the first model's shared variables: point them at the new data too
    for fn in (compiled.logp_func, compiled.expand_func):
        for var in fn.get_shared():
            var.set_value(np.array(data[var.name], dtype=np.float64, copy=True))
    names, _, shapes = lay.shape_info
    n_free = len(model.free_RVs)
    point = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    init = _rv_dict_to_flat_array_wrapper(
        _wrap_with_lock(point), names=list(names[:n_free]), shapes=list(shapes[:n_free])
    )
    dims, coords = _prepare_dims_and_coords(model, lay.shape_info, compiled.reparameterized_names)
    new = dataclasses.replace(new, initial_point_func=init, dims=dims, _coords=coords)
    logp_arrays = [new.shared_data[n] for n in new.shared_var_keys["logp"]]
    self_check(new, np.asarray(init(0), dtype=np.float64), new.logp_func, logp_arrays)
    return new


def compile_reusing(model, *, fast: bool = True):
    """:func:`~bayes_mmm.inference._compile.fast.compile_nutpie`, reusing this process's compiled
    model of the same structure when there is one (``CompileInfo.cache == "process"``)."""
    t0 = time.perf_counter()
    if not fast:
        return compile_nutpie(model, fast=False)
    try:
        key = graph_keys(model)[1]  # the structure: compiled code serves any shapes
    except Exception:  # an unprintable graph: just compile
        return compile_nutpie(model)
    with _LOCK:
        hit = _MEMO.get(key)
    if hit is not None:
        try:
            compiled = with_model_data(hit, model)
        except Exception:  # reuse failed: compile afresh below
            pass
        else:
            with _LOCK:
                _MEMO.move_to_end(key)
            log.info("%s", reuse_message("process"))
            return compiled, CompileInfo("fast", time.perf_counter() - t0, "process")
    compiled, info = compile_nutpie(model)
    if info.path == "fast":
        with _LOCK:
            _MEMO[key] = compiled
            while len(_MEMO) > MEMO_SIZE:
                _MEMO.popitem(last=False)
    return compiled, dataclasses.replace(info, seconds=time.perf_counter() - t0)


def clear() -> None:
    """Forget every compiled model of this process."""
    with _LOCK:
        _MEMO.clear()
