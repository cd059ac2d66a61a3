"""A module imported on first use: keeps the PyMC stack out of ``import bayes_mmm``.

``pt = lazy_module("pytensor.tensor")`` at the top of a component module reads like the usual
``import pytensor.tensor as pt``, but pytensor is imported only when a graph is built, so the
command line answers ``--help`` and bad input without it (``tests/test_import_light.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for the module ``name``; the first attribute read imports it."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lazy_target"] = None

    def _load(self) -> ModuleType:
        target = self.__dict__["_lazy_target"]
        if target is None:
            target = importlib.import_module(self.__name__)
            self.__dict__["_lazy_target"] = target
        return target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __dir__(self) -> list[str]:
        return dir(self._load())


def lazy_module(name: str) -> Any:
    """``name`` (e.g. ``"pymc"``), imported when one of its attributes is first read."""
    return LazyModule(name)


def lazy_exports(namespace: dict[str, Any], exports: dict[str, tuple[str, str | None]]):
    """PEP 562 ``__getattr__`` and ``__dir__`` for a package whose public names are imported
    on first use: ``exports`` maps a name to ``(module, attribute)`` (None: the module); any
    other subpackage or module (``bm.io``) is imported when first read, as before."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module, attr = exports.get(name, (f"{package}.{name}", None))
        if name.startswith("__") or importlib.util.find_spec(module) is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = importlib.import_module(module)
        if attr is not None:
            value = getattr(value, attr)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
