"""Machine code nutpie calls: small numba *trampolines*, compiled once per signature and
cached on disk (see :mod:`bayes_mmm.inference._compile.fast` for why and how they are used).

A trampoline reads from ``user_data`` (a flat int64 buffer) the address of pytensor's compiled
function and the addresses and shapes of the shared data, wraps them as arrays and calls the
function through a pointer with numba's native calling convention. Nothing graph-specific is
baked in: it depends only on the ranks of the arguments, so its source is generated per
signature, written into the cache directory and compiled with ``numba.cfunc(cache=True)``.
Cache directory: ``$BAYES_MMM_CACHE_DIR``, else ``$XDG_CACHE_HOME/bayes_mmm``, else
``~/.cache/bayes_mmm``; ``BAYES_MMM_CACHE_DIR=off`` disables it (trampolines are then compiled
in memory, ~3 s). Files are written atomically (temporary name, then a hard link), a file that
fails to load is removed and rebuilt, and an unusable directory means compiling in memory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import types as pytypes
import warnings
from pathlib import Path

CACHE_ENV = "BAYES_MMM_CACHE_DIR"
TEMPLATE_VERSION = 4
HEADER = 4  # user_data words: logp address, n_dim, n_expanded, expand address
_LOCK = threading.Lock()
_TRAMPOLINES: dict[str, tuple] = {}  # in-process memo: key -> (logp cfunc, expand cfunc)


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
    # tuples of at most 16 joined by "+": CPython compiles a longer tuple display to
    # LIST_TO_TUPLE, which numba cannot compile (models with > ~30 shared arrays)
    chunks = ["".join(f"{n}, " for n in names[i : i + 16]) for i in range(0, len(names), 16)]
    return lines, ") + (".join(chunks), pos


def trampoline_source(
    logp_ndims: tuple[int, ...],
    expand_ndims: tuple[int, ...],
    logp_star: bool,
    expand_star: bool,
) -> str:
    """Python source of the logp and expand trampolines for shared data of these ranks."""
    logp_lines, logp_args, pos = _array_lines(logp_ndims, HEADER, "a")
    expand_lines, expand_args, n_words = _array_lines(expand_ndims, pos, "b")
    return "\n".join(
        [
            f"# Generated by bayes_mmm (trampolines template {TEMPLATE_VERSION}). Do not edit.",
            "import numpy as np",
            "from numba import carray",
            "",
            "from bayes_mmm.inference._compile.trampolines import as_voidptr, native_caller",
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


def _numba_cache_dirs(directory: Path) -> list[Path]:
    """Where numba caches the functions of a module in ``directory``: its ``__pycache__``,
    or under ``NUMBA_CACHE_DIR`` when that is set (numba's own naming of the subfolder)."""
    dirs = [directory / "__pycache__"]
    try:
        from numba.core import caching, config

        if config.CACHE_DIR:
            sub = caching.UserProvidedCacheLocator.get_suitable_cache_subpath(directory / "m.py")
            dirs.append(Path(config.CACHE_DIR) / sub)
    except Exception:  # another numba layout: the __pycache__ folder only
        pass
    return dirs


def _remove_cached(directory: Path, name: str) -> None:
    """Best-effort removal of numba's cache files of module ``name`` (corrupted entries)."""
    for p in (p for d in _numba_cache_dirs(directory) for p in d.glob(f"{name}.*")):
        try:
            p.unlink()
        except OSError:
            pass


def _remove_if_wrong(path: Path, source: str) -> None:
    """Remove a generated file that does not hold ``source``; a correct one stays (another
    process may be importing it: removing it would break that process's compilation)."""
    try:
        if path.read_text() != source:
            path.unlink()
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


def cached(source: str) -> bool:
    """Whether the trampolines of ``source`` are compiled in this process or in the cache."""
    key = _source_key(source)
    if key in _TRAMPOLINES:
        return True
    base = cache_dir()
    return base is not None and (base / "nutpie" / f"bayes_mmm_nutpie_{key}.cached").is_file()


def _mark_cached(path: Path) -> None:
    """Note that numba's cache holds the trampolines (wherever ``NUMBA_CACHE_DIR`` puts it);
    read by :func:`cached`. A stale mark only costs compiling them in this process."""
    if not path.exists():
        try:
            _atomic_write(path, "")
        except OSError:
            pass


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
                    _mark_cached(directory / f"{name}.cached")
                    break
                except Exception:  # a corrupted or unusable cache entry
                    sys.modules.pop(name, None)
                    _remove_cached(directory, name)
                    _remove_if_wrong(directory / f"{name}.py", source)
        if result is None:
            module = _load_module(name, source, None)
            result = (*_compile_cfuncs(module, cache=False), "off")
        _TRAMPOLINES[key] = result[:2]
        return result
