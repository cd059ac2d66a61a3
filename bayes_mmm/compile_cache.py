"""Fast compilation of a PyMC model for nutpie, with an on-disk cache.

``nutpie.compile_pymc_model`` spends 5-8 s on every call (15-40 s for a graph never seen) in
``numba.cfunc`` of its logp wrapper: the wrapper closes over pytensor's compiled function as a
first-class constant, so numba can neither cache it nor avoid re-optimising all of pytensor's
code into it. Here the two functions nutpie calls (logp+gradient and the expansion to the
trace variables) are small *trampolines* instead:

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
``pm.Data`` in ``bayes_mmm.model``, so data sets of the same structure share all compiled
code) compilation takes ~1 s instead of 6-10 s. Everything here goes through private nutpie
APIs; any failure falls back to ``nutpie.compile_pymc_model`` (``compile_nutpie`` never
raises for a model nutpie itself can compile).

Cache directory: ``$BAYES_MMM_CACHE_DIR``, else ``$XDG_CACHE_HOME/bayes_mmm``, else
``~/.cache/bayes_mmm``; ``BAYES_MMM_CACHE_DIR=off`` disables the disk cache (the fast path
then compiles its trampolines in memory, ~3 s). An empty, read-only or corrupted cache is
safe: files are written atomically (temporary name, then ``os.replace``), a file that fails
to load is removed and rebuilt, and an unusable directory means compiling in memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
import threading
import time
import types as pytypes
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE_ENV = "BAYES_MMM_CACHE_DIR"
TEMPLATE_VERSION = 1
_HEADER = 4  # user_data words: logp address, n_dim, n_expanded, expand address
_LOCK = threading.Lock()
_TRAMPOLINES: dict[str, tuple] = {}  # in-process memo: key -> (logp cfunc, expand cfunc)


class FastPathUnsupported(RuntimeError):
    """The model's compiled functions do not have the form the trampolines support."""


@dataclass(frozen=True)
class CompileInfo:
    """How the model was compiled: ``path`` is ``"fast"`` or ``"nutpie"`` (the fallback)."""

    path: str
    seconds: float
    cache: str = "off"  # "hit" | "miss" | "memory" | "off"
    reason: str = ""  # why the fast path was not used


# ---- cache directory ---------------------------------------------------------------------
def cache_dir() -> Path | None:
    """The cache directory, or None when caching is disabled by ``BAYES_MMM_CACHE_DIR=off``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in ("off", "0", "none", "false"):
        return None
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bayes_mmm"


def _writable_dir(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
        return path
    except OSError:
        return None


def _atomic_write(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` unless it exists; never replace a complete file (its
    modification time keys numba's cache) and never show a partial one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)  # atomic, and fails if another process created it first
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ---- numba pieces used by the generated trampolines -------------------------------------------
def _numba_helpers():
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def as_voidptr(typingctx, address):
        """An int64 address as a void pointer."""

        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)

        return types.voidptr(address), codegen

    def native_caller(out_ndims: tuple[int, ...], star: bool):
        """An intrinsic ``call(address, args_tuple)`` calling a numba-compiled function at
        ``address`` (native calling convention) whose arguments are float64 C arrays and
        whose result is a tuple of float64 C arrays of ranks ``out_ndims``. ``star``: the
        callee takes ``*args`` (numba passes them as one tuple)."""
        ret = types.Tuple(tuple(types.Array(types.float64, nd, "C") for nd in out_ndims))

        @intrinsic
        def call(typingctx, address, args):
            def codegen(context, builder, signature, llargs):
                if star:
                    argtys, values = (signature.args[1],), [llargs[1]]
                else:
                    argtys = tuple(signature.args[1])
                    values = cgutils.unpack_tuple(builder, llargs[1])
                fnty = context.call_conv.get_function_type(ret, argtys)
                fn = builder.inttoptr(llargs[0], fnty.as_pointer())
                status, res = context.call_conv.call_function(builder, fn, ret, argtys, values)
                with cgutils.if_unlikely(builder, status.is_error):
                    context.call_conv.return_status_propagate(builder, status)
                return res

            return ret(address, args), codegen

        return call

    return as_voidptr, native_caller


def __getattr__(name):  # lazy: importing this module must not import numba
    if name in ("as_voidptr", "native_caller"):
        as_voidptr, native_caller = _numba_helpers()
        globals().update(as_voidptr=as_voidptr, native_caller=native_caller)
        return globals()[name]
    raise AttributeError(name)


# ---- trampoline source -------------------------------------------------------------------
def _array_lines(ndims: tuple[int, ...], start: int, prefix: str) -> tuple[list[str], str, int]:
    lines, names, pos = [], [], start
    for i, nd in enumerate(ndims):
        shape = "".join(f"u[{pos + 1 + k}], " for k in range(nd))
        lines.append(f"        {prefix}{i} = carray(as_voidptr(u[{pos}]), ({shape}), np.float64)")
        names.append(f"{prefix}{i}")
        pos += 1 + nd
    return lines, "".join(f"{n}, " for n in names), pos


def trampoline_source(
    logp_ndims: tuple[int, ...],
    expand_ndims: tuple[int, ...],
    logp_star: bool,
    expand_star: bool,
) -> str:
    """Python source of the logp and expand trampolines for shared data of these ranks."""
    logp_lines, logp_args, pos = _array_lines(logp_ndims, _HEADER, "a")
    expand_lines, expand_args, n_words = _array_lines(expand_ndims, pos, "b")
    return "\n".join(
        [
            f"# Generated by bayes_mmm.compile_cache (template {TEMPLATE_VERSION}). Do not edit.",
            "import numpy as np",
            "from numba import carray",
            "",
            "from bayes_mmm.compile_cache import as_voidptr, native_caller",
            "",
            f"_logp = native_caller((0, 1), {logp_star})",
            f"_expand = native_caller((1,), {expand_star})",
            "",
            "",
            "def logp(dim, x_, out_, logp_, user_data_):",
            f"    u = carray(user_data_, ({n_words},), np.int64)",
            "    if dim != u[1]:",
            "        return -1",
            "    try:",
            "        x = carray(x_, (dim,))",
            *logp_lines,
            f"        value, grad = _logp(u[0], (x, {logp_args}))",
            "        out = carray(out_, (dim,))",
            "        result = carray(logp_, (1,))",
            "        v = value[()]",
            "        result[0] = v",
            "        out[:] = grad",
            "        if not np.all(np.isfinite(out)):",
            "            return 3",
            "        if not np.isfinite(v):",
            "            return 4",
            "    except Exception:  # noqa: BLE001",
            "        return 1",
            "    return 0",
            "",
            "",
            "def expand(dim, expanded, x_, out_, user_data_):",
            f"    u = carray(user_data_, ({n_words},), np.int64)",
            "    if dim != u[1] or expanded != u[2]:",
            "        return -1",
            "    try:",
            "        x = carray(x_, (dim,))",
            *expand_lines,
            f"        (values,) = _expand(u[3], (x, {expand_args}))",
            "        out = carray(out_, (expanded,))",
            "        out[:] = values",
            "    except Exception:  # noqa: BLE001",
            "        return -2",
            "    return 0",
            "",
        ]
    )


def _c_signatures():
    from numba import types

    dbl = types.CPointer(types.double)
    logp = types.int64(types.uint64, dbl, dbl, dbl, types.voidptr)
    expand = types.int64(types.uint64, types.uint64, dbl, dbl, types.voidptr)
    return logp, expand


def _source_key(source: str) -> str:
    import numba

    own = Path(__file__).read_bytes()  # a change here must not reuse stale machine code
    h = hashlib.sha256(source.encode() + own + numba.__version__.encode())
    return h.hexdigest()[:20]


def _load_module(name: str, source: str, directory: Path | None):
    """Import the trampoline source as module ``name`` (from a file in ``directory`` when
    given, so that numba can cache it)."""
    if directory is not None:
        path = directory / f"{name}.py"
        if not path.exists():
            _atomic_write(path, source)
        if path.read_text() != source:
            raise OSError(f"{path} does not hold the expected source")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba's cache re-imports it by name
        spec.loader.exec_module(module)
        return module
    module = pytypes.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def _remove_cached(directory: Path, name: str) -> None:
    """Best-effort removal of numba's cache files of module ``name`` (corrupted entries)."""
    for p in (directory / "__pycache__").glob(f"{name}.*"):
        try:
            p.unlink()
        except OSError:
            pass


def _compile_cfuncs(module, cache: bool):
    import numba

    logp_sig, expand_sig = _c_signatures()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numba.NumbaWarning)
        logp = numba.cfunc(logp_sig, cache=cache)(module.logp)
        expand = numba.cfunc(expand_sig, cache=cache)(module.expand)
    return logp, expand


def _cache_hit(cfunc) -> bool:
    return bool(getattr(cfunc, "_cache_hits", 0))


def trampolines(source: str) -> tuple[object, object, str]:
    """Compiled (logp, expand) cfuncs for ``source`` and how they were obtained."""
    key = _source_key(source)
    with _LOCK:
        if key in _TRAMPOLINES:
            return (*_TRAMPOLINES[key], "memory")
        name = f"bayes_mmm_nutpie_{key}"
        directory = _writable_dir(cache_dir() / "nutpie") if cache_dir() else None
        result = None
        if directory is not None:
            for _attempt in range(2):
                try:
                    module = _load_module(name, source, directory)
                    logp, expand = _compile_cfuncs(module, cache=True)
                    status = "hit" if _cache_hit(logp) and _cache_hit(expand) else "miss"
                    result = (logp, expand, status)
                    break
                except Exception:  # a corrupted or unusable cache entry
                    sys.modules.pop(name, None)
                    _remove_cached(directory, name)
                    try:
                        (directory / f"{name}.py").unlink()
                    except OSError:
                        pass
        if result is None:
            module = _load_module(name, source, None)
            result = (*_compile_cfuncs(module, cache=False), "off")
        _TRAMPOLINES[key] = result[:2]
        return result


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


def _native_function(pt_function, x: np.ndarray, shared: list[np.ndarray], out_ndims):
    """Compile (or load from pytensor's cache) the numba function behind a pytensor function
    and return its address, whether it takes ``*args``, and the compile result (kept alive)."""
    from numba import types

    jit_fn = pt_function.vm.jit_fn
    jit_fn(x, *shared)  # compiles, or loads from pytensor's numba cache
    arrays = tuple(types.Array(types.float64, a.ndim, "C") for a in (x, *shared))
    params = inspect.signature(jit_fn.py_func).parameters.values()
    star = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    expected = (types.Tuple(arrays),) if star else arrays
    cres = jit_fn.overloads.get(tuple(expected))
    ret = types.Tuple(tuple(types.Array(types.float64, nd, "C") for nd in out_ndims))
    if cres is None or cres.signature.return_type != ret:
        found = [str(c.signature) for c in jit_fn.overloads.values()]
        raise FastPathUnsupported(f"unexpected signature(s) of pytensor's function: {found}")
    address = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    if not address:
        raise FastPathUnsupported("no address for pytensor's compiled function")
    return int(address), star, cres


def _user_data(header: list[int], *groups: list[np.ndarray]) -> np.ndarray:
    words = list(header)
    for arrays in groups:
        for a in arrays:
            words += [a.ctypes.data, *a.shape]
    return np.array(words, dtype=np.int64)


def _compiled_class():
    from nutpie.compile_pymc import CompiledPyMCModel

    @dataclass(frozen=True)
    class FastCompiledModel(CompiledPyMCModel):
        """nutpie's compiled PyMC model with bayes_mmm's trampolines (see module docstring)."""

        native: tuple = ()  # compile results and arrays the raw addresses point into

        def with_data(self, **updates):
            """The same compiled code on new values of the shared data (same ranks)."""
            shared = dict(self.shared_data)
            for name, value in updates.items():
                if name not in shared:
                    raise KeyError(f"Unknown shared variable: {name}")
                new = np.array(value, dtype=np.float64, order="C", copy=True)
                if new.ndim != shared[name].ndim:
                    raise ValueError(f"Shared variable {name} must have rank {shared[name].ndim}")
                shared[name] = new
            logp_names, expand_names = self.shared_var_keys["logp"], self.shared_var_keys["expand"]
            header = [int(w) for w in self.user_data[:_HEADER]]
            user_data = _user_data(
                header, [shared[n] for n in logp_names], [shared[n] for n in expand_names]
            )
            return dataclasses.replace(self, shared_data=shared, user_data=user_data)

    return FastCompiledModel


def _fast_compile(model):
    from nutpie.compile_pymc import _make_functions, _prepare_dims_and_coords, _wrap_with_lock
    from pymc.initial_point import make_initial_point_fn

    initial_point = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    n_dim, n_expanded, logp_pt, expand_pt, init_fn, shape_info, reparam = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=_wrap_with_lock(initial_point),
    )
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
    logp_addr, logp_star, logp_cres = _native_function(logp_pt, x0, logp_arrays, (0, 1))
    expand_addr, expand_star, expand_cres = _native_function(expand_pt, x0, expand_arrays, (1,))
    source = trampoline_source(
        tuple(a.ndim for a in logp_arrays),
        tuple(a.ndim for a in expand_arrays),
        logp_star,
        expand_star,
    )
    logp_c, expand_c, cache_status = trampolines(source)
    user_data = _user_data([logp_addr, n_dim, n_expanded, expand_addr], logp_arrays, expand_arrays)
    dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
    compiled = _compiled_class()(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
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
    _self_check(compiled, x0, logp_pt, logp_arrays)
    return compiled, cache_status


def _self_check(compiled, x0: np.ndarray, logp_pt, logp_arrays) -> None:
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


def compile_nutpie(model, *, fast: bool = True):
    """Compile ``model`` for ``nutpie.sample``: the fast cached path, or nutpie's own.

    Returns ``(compiled_model, CompileInfo)``.
    """
    import nutpie

    t0 = time.perf_counter()
    reason = "disabled"
    if fast:
        try:
            compiled, status = _fast_compile(model)
            return compiled, CompileInfo("fast", time.perf_counter() - t0, status)
        except Exception as err:  # any failure: nutpie's standard path
            reason = f"{type(err).__name__}: {err}"[:300]
    compiled = nutpie.compile_pymc_model(model)
    return compiled, CompileInfo("nutpie", time.perf_counter() - t0, "off", reason)
