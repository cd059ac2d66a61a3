"""Fast compilation of a PyMC model for nutpie, with an on-disk cache.

``nutpie.compile_pymc_model`` spends 5-8 s on every call (15-40 s for a graph never seen) in
``numba.cfunc`` of its logp wrapper: the wrapper closes over pytensor's compiled function as a
first-class constant, so numba can neither cache it nor avoid re-optimising all of pytensor's
code into it. Here the two functions nutpie calls (logp+gradient and the expansion to the
trace variables) are small *trampolines* instead (:mod:`.trampolines`):

- pytensor's own numba functions (``jit_fn`` of the compiled logp and expand functions) are
  compiled as usual and loaded from pytensor's on-disk numba cache when seen before;
- the trampoline reads from ``user_data`` (a flat int64 buffer) the address of pytensor's
  compiled function and the addresses and shapes of the shared data, wraps them as arrays
  and calls the function through a pointer with numba's native calling convention (so an
  exception inside it is caught and reported to nutpie as an error code);
- nothing graph-specific is baked into a trampoline: it depends only on the number and ranks
  of the arguments, so one is compiled per *signature* (ever, per machine), written as a
  ``.py`` file in the cache directory and compiled with ``numba.cfunc(..., cache=True)``.

With a warm cache (same model structure seen before: the data and the prior parameters are
``pm.Data`` in ``bayes_mmm.model.build``, and the functions are built shape-generic by
:mod:`.generic` instead of nutpie's ``_make_functions``, so data sets of the same structure,
whatever their length or channel count, share all compiled code) compilation takes ~1 s
instead of 6-10 s. Everything here goes through private nutpie
APIs; any failure falls back to ``nutpie.compile_pymc_model`` (``compile_nutpie`` never
raises for a model nutpie itself can compile).

On top of that, :mod:`.graph_store` keeps the rewritten pytensor functions of each
model structure on disk, so a new process skips building and rewriting the graphs (~1 s).

This module assembles the compiled model from pytensor's functions and the trampolines;
:mod:`.trampolines` owns the trampolines and their disk cache (``$BAYES_MMM_CACHE_DIR``,
else ``$XDG_CACHE_HOME/bayes_mmm``, else ``~/.cache/bayes_mmm``; ``off`` disables it).
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from dataclasses import dataclass

import numpy as np

from bayes_mmm.inference._compile import background, estimate, generic, graph_store
from bayes_mmm.inference._compile.trampolines import HEADER, trampoline_source, trampolines
from bayes_mmm.logs import log


class FastPathUnsupported(RuntimeError):
    """The model's compiled functions do not have the form the trampolines support."""


@dataclass(frozen=True)
class CompileInfo:
    """How the model was compiled: ``path`` is ``"fast"`` or ``"nutpie"`` (the fallback)."""

    path: str
    seconds: float
    # trampolines: "hit" | "miss" | "helper" (a helper process) | "memory" | "off";
    # "process": the whole compiled model reused
    cache: str = "off"
    reason: str = ""  # why the fast path was not used
    graph: str = "off"  # pytensor functions from graph_store: "hit" | "miss" | "off"


# ---- the compiled model ----------------------------------------------------------------------
def _float_arrays(shared_vars) -> list[np.ndarray]:
    arrays = []
    for var in shared_vars:
        value = np.asarray(var.get_value())
        if value.dtype != np.float64:
            raise FastPathUnsupported(f"shared variable {var.name} is {value.dtype}")
        # private writable copies: pytensor's compiled signature is for writable arrays
        arrays.append(np.array(value, dtype=np.float64, order="C", copy=True))
    return arrays


def _star(pt_function) -> bool:
    """Whether pytensor's numba function takes its inputs as ``*args`` (known before it is
    compiled)."""
    params = inspect.signature(pt_function.vm.jit_fn.py_func).parameters.values()
    return any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)


def _native_function(pt_function, x: np.ndarray, shared: list[np.ndarray], out_ndims):
    """Compile (or load from pytensor's cache) the numba function behind a pytensor function
    and return its address and the compile result (kept alive)."""
    from numba import types

    jit_fn = pt_function.vm.jit_fn
    jit_fn(x, *shared)  # compiles, or loads from pytensor's numba cache
    arrays = tuple(types.Array(types.float64, a.ndim, "C") for a in (x, *shared))
    expected = (types.Tuple(arrays),) if _star(pt_function) else arrays
    cres = jit_fn.overloads.get(tuple(expected))
    ret = types.Tuple(tuple(types.Array(types.float64, nd, "C") for nd in out_ndims))
    if cres is None or cres.signature.return_type != ret:
        found = [str(c.signature) for c in jit_fn.overloads.values()]
        raise FastPathUnsupported(f"unexpected signature(s) of pytensor's function: {found}")
    address = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    if not address:
        raise FastPathUnsupported("no address for pytensor's compiled function")
    return int(address), cres


def _machine_code(logp_pt, expand_pt, x0, logp_arrays, expand_arrays, structure=None) -> tuple:
    """The addresses and compile results of pytensor's two functions, the trampolines and
    their cache status. Helper processes (:mod:`.background`) compile the trampolines of a
    signature not yet cached and, for a ``structure`` just stored, the expansion function,
    on the other core meanwhile."""
    source = trampoline_source(
        tuple(a.ndim for a in logp_arrays),
        tuple(a.ndim for a in expand_arrays),
        _star(logp_pt),
        _star(expand_pt),
    )
    helper, t0 = background.start(source, structure), time.perf_counter()
    try:
        logp_addr, logp_cres = _native_function(logp_pt, x0, logp_arrays, (0, 1))
        background.finish(helper, time.perf_counter() - t0)
        expand_addr, expand_cres = _native_function(expand_pt, x0, expand_arrays, (1,))
    except BaseException:
        background.stop(helper)
        raise
    logp_c, expand_c, status = trampolines(source)
    if helper is not None and status == "hit":
        status = "helper"  # compiled for this fit, by the helper process
    return (logp_addr, logp_cres), (expand_addr, expand_cres), (logp_c, expand_c), status


def _user_data(header: list[int], *groups: list[np.ndarray]) -> np.ndarray:
    words = list(header)
    for arrays in groups:
        for a in arrays:
            words += [a.ctypes.data, *a.shape]
    return np.array(words, dtype=np.int64)


def _shapes(shape_info) -> dict[str, tuple]:
    return {name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)}


def _compiled_class():
    from nutpie.compile_pymc import CompiledPyMCModel

    @dataclass(frozen=True)
    class FastCompiledModel(CompiledPyMCModel):
        """nutpie's compiled PyMC model with bayes_mmm's trampolines (see module docstring)."""

        native: tuple = ()  # compile results and arrays the raw addresses point into

        def with_data(self, layout: generic.Layout | None = None, **updates):
            """The same compiled code on new values of the shared data (same ranks; with
            ``layout``, the free variables' layout of data of other shapes)."""
            shared = dict(self.shared_data)
            if layout is not None:
                updates[generic.LAYOUT] = layout.vector
            for name, value in updates.items():
                if name not in shared:
                    raise KeyError(f"Unknown shared variable: {name}")
                new = np.array(value, dtype=np.float64, order="C", copy=True)
                if new.ndim != shared[name].ndim:
                    raise ValueError(f"Shared variable {name} must have rank {shared[name].ndim}")
                shared[name] = new
            logp_names, expand_names = self.shared_var_keys["logp"], self.shared_var_keys["expand"]
            header = [int(w) for w in self.user_data[:HEADER]]
            sizes = {}
            if layout is not None:
                header[1:3] = [layout.n_dim, layout.n_expanded]
                sizes = dict(_n_dim=layout.n_dim, n_expanded=layout.n_expanded)
                sizes.update(shape_info=layout.shape_info, _shapes=_shapes(layout.shape_info))
            user_data = _user_data(
                header, [shared[n] for n in logp_names], [shared[n] for n in expand_names]
            )
            return dataclasses.replace(self, shared_data=shared, user_data=user_data, **sizes)

    return FastCompiledModel


def _functions(model, initial_point) -> tuple[tuple, str, tuple | None]:
    """The compiled shape-generic pytensor functions of ``model`` (:mod:`.generic`, as
    nutpie's ``_make_functions`` returns them), from :mod:`.graph_store` when this structure
    was compiled before (any length, channel count or number of geos), whether they came from
    there (``"hit"``) or were compiled (``"miss"``, ``"off"``), and for a compile
    ``(structure key, kind of compile, logp node count)`` (:mod:`.estimate`; logged before
    the numba compile)."""
    from nutpie.compile_pymc import _rv_dict_to_flat_array_wrapper

    try:
        structure = graph_store.graph_keys(model)[1]
    except Exception:  # an unprintable graph: compile without the store
        structure = None
    entry = None
    if structure is not None:
        lay = generic.layout(model)
        entry = graph_store.load(structure, model, {generic.LAYOUT: lay.vector})
    free = [model.rvs_to_values[v].name for v in model.free_RVs]  # as nutpie joins them
    if entry is not None and list(entry["shape_info"][0]) == list(lay.shape_info[0]):
        log.info("%s", estimate.reuse_message("disk"))
        names, _, shapes = lay.shape_info
        init_fn = _rv_dict_to_flat_array_wrapper(
            initial_point, names=list(names[: len(free)]), shapes=list(shapes[: len(free)])
        )
        functions = (lay.n_dim, lay.n_expanded, entry["logp"], entry["expand"])
        return (*functions, init_fn, lay.shape_info, entry["reparam"]), "hit", None
    kind = estimate.kind_of(structure) if structure is not None else "structure"
    out = generic.make_functions(model, initial_point)  # graphs built; numba compiles later
    n_dim, n_expanded, logp_pt, expand_pt, _, shape_info, reparam = out
    nodes = len(logp_pt.maker.fgraph.apply_nodes)  # the compile time grows with it
    log.info("%s", estimate.compile_message(kind, nodes))
    entry = dict(n_dim=n_dim, n_expanded=n_expanded, logp=logp_pt, expand=expand_pt)
    entry.update(shape_info=shape_info, reparam=reparam)
    saved = structure is not None and graph_store.save(structure, entry)
    return out, "miss" if saved else "off", (structure, kind, nodes) if saved else None


def _fast_compile(model):
    from nutpie.compile_pymc import _prepare_dims_and_coords, _wrap_with_lock
    from pymc.initial_point import make_initial_point_fn

    t0 = time.perf_counter()
    initial_point = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    functions, graph_status, compiled_now = _functions(model, _wrap_with_lock(initial_point))
    n_dim, n_expanded, logp_pt, expand_pt, init_fn, shape_info, reparam = functions
    logp_vars, expand_vars = list(logp_pt.get_shared()), list(expand_pt.get_shared())
    names = [v.name for v in logp_vars + expand_vars]
    by_name = {}
    for var in logp_vars + expand_vars:
        if by_name.setdefault(var.name, var) is not var:
            raise FastPathUnsupported(f"two shared variables are named {var.name!r}")
    if None in names:
        raise FastPathUnsupported("unnamed shared variable")
    shared = dict(zip(by_name, _float_arrays(by_name.values()), strict=True))
    logp_arrays = [shared[v.name] for v in logp_vars]
    expand_arrays = [shared[v.name] for v in expand_vars]
    x0 = np.asarray(init_fn(0), dtype=np.float64)
    # on a clean machine the expansion function compiles in the helper too (its logp compile
    # is long; for a new structure the helper would be the slower of the two: measured)
    fresh = compiled_now[0] if compiled_now and compiled_now[1] == "first" else None
    (logp_addr, logp_cres), (expand_addr, expand_cres), (logp_c, expand_c), cache_status = (
        _machine_code(logp_pt, expand_pt, x0, logp_arrays, expand_arrays, fresh)
    )
    user_data = _user_data([logp_addr, n_dim, n_expanded, expand_addr], logp_arrays, expand_arrays)
    dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
    compiled = _compiled_class()(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes=_shapes(shape_info),
        compiled_logp_func=logp_c,
        compiled_expand_func=expand_c,
        initial_point_func=init_fn,
        shared_data=shared,
        shared_var_keys={
            "logp": [v.name for v in logp_vars],
            "expand": [v.name for v in expand_vars],
        },
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=reparam,
        native=(logp_cres, expand_cres),
    )
    self_check(compiled, x0, logp_pt, logp_arrays)
    if compiled_now is not None:  # how long it took, for the next estimate
        structure, kind, nodes = compiled_now
        estimate.record(structure, kind, time.perf_counter() - t0, nodes)
    return compiled, cache_status, graph_status


def self_check(compiled, x0: np.ndarray, logp_pt, logp_arrays) -> None:
    """The trampoline must give exactly what pytensor's function gives at the initial point."""
    import ctypes

    dbl = ctypes.POINTER(ctypes.c_double)
    grad = np.zeros(compiled.n_dim)
    value = np.zeros(1)
    x = np.ascontiguousarray(x0)
    fn = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_uint64, dbl, dbl, dbl, ctypes.c_void_p)(
        compiled.compiled_logp_func.address
    )
    code = fn(
        compiled.n_dim,
        x.ctypes.data_as(dbl),
        grad.ctypes.data_as(dbl),
        value.ctypes.data_as(dbl),
        compiled.user_data.ctypes.data,
    )
    ref_value, ref_grad = logp_pt.vm.jit_fn(x, *logp_arrays)
    if code not in (0, 3, 4) or not (
        np.array_equal(value[0], ref_value, equal_nan=True)
        and np.array_equal(grad, ref_grad, equal_nan=True)
    ):
        raise FastPathUnsupported("trampoline does not reproduce pytensor's logp")


def exact_float_math():
    """Compile pytensor's numba code without fastmath (a context manager). With pytensor's
    fastmath flags the machine code of a fresh compile (kernels inlined into the graph's
    function, then reassociated) and of the same code loaded from numba's cache (kernels
    linked, not inlined) differ in the last bits, so the first fit on a machine drew
    other draws than every later fit with the same seed. Without them both are the same;
    sampling is as fast (us per gradient within noise on 104x4, 208x8 and a geo model)."""
    import pytensor

    return pytensor.config.change_flags(numba__fastmath=False)


def compile_nutpie(model, *, fast: bool = True):
    """Compile ``model`` for ``nutpie.sample``: the fast cached path, or nutpie's own.

    Returns ``(compiled_model, CompileInfo)``.
    """
    import nutpie

    t0 = time.perf_counter()
    reason = "disabled"
    if fast:
        try:
            with exact_float_math():
                compiled, status, graph = _fast_compile(model)
            return compiled, CompileInfo("fast", time.perf_counter() - t0, status, graph=graph)
        except Exception as err:  # any failure: nutpie's standard path
            reason = f"{type(err).__name__}: {err}"[:300]
    log.info("compiling the model with nutpie's own compiler (~15-60 s)")
    with exact_float_math():  # its numba code too: the same draws cold or warm
        compiled = nutpie.compile_pymc_model(model)
    return compiled, CompileInfo("nutpie", time.perf_counter() - t0, "off", reason)
