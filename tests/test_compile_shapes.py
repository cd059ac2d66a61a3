"""A data set of another length and channel count reuses the compiled code (issue 19): after
one fit in the process, compiling the model of a second data set with other weeks and
channels compiles none of pytensor's numba kernels again (counted with numba's compile
events, not seconds): at most the glue of the logp and expand functions
(``numba_funcified_fgraph``, whose cache key holds the offsets of the free variables in
nutpie's flat point, so it is new for a new channel count unless pytensor's on-disk cache
has seen that shape before). The second model still takes the fast path, and the trampoline
reproduces pytensor's logp there (``self_check``). And a fall back from the fast path is
visible: a ``CompileWarning`` and the reason in the fit's diagnostics. A fit says when it
compiles (with an estimate of how long) and when it reuses a compiled model."""

from __future__ import annotations

import logging
import re
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.inference._compile import estimate, memo
from bayes_mmm.inference._compile import fast as cc
from bayes_mmm.model.build import build_model

pytest.importorskip("nutpie")
event = pytest.importorskip("numba.core.event")


def _model(weeks: int, channels: int):
    names = tuple(f"ch{i}" for i in range(channels))
    return build_model(bm.simulate(weeks, channels=names, seed=weeks).to_data())


GLUE = "numba_funcified_fgraph"  # pytensor's per-function glue calling the cached kernels


def _compile_counting(model):
    """``compile_reusing(model)`` and the names of the functions numba compiled for it."""
    with event.install_recorder("numba:compile") as recorder:
        compiled, info = memo.compile_reusing(model)
    starts = [e.data["dispatcher"] for _, e in recorder.buffer if e.is_start]
    return compiled, info, [getattr(d.py_func, "__name__", repr(d)) for d in starts]


def test_new_weeks_and_channels_reuse_the_compiled_code(monkeypatch):
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())  # this process has compiled nothing
    first, info, _ = _compile_counting(_model(104, 3))
    assert info.path == "fast", info.reason
    second, info, compiles = _compile_counting(_model(131, 5))
    assert info.path == "fast", info.reason
    assert info.cache != "process"  # a new structure, not the in-process memo
    assert second.n_dim != first.n_dim  # really another shape
    # every kernel came from the caches; only the glue of the two functions (logp, expand;
    # each also as its tuple-argument entry) may be compiled, and none when pytensor's disk
    # cache has seen this shape
    assert set(compiles) <= {GLUE} and len(compiles) <= 4, compiles
    x = second.initial_point_func(0)
    value, grad = second.logp_func(x)
    assert np.isfinite(value) and grad.shape == (second.n_dim,)


def test_fallback_from_the_fast_path_is_a_warning_and_in_the_diagnostics(monkeypatch):
    import nutpie

    real = cc._fast_compile

    def broken(model):
        raise cc.FastPathUnsupported("simulated failure")

    monkeypatch.setattr(cc, "_fast_compile", broken)
    # nutpie's own compiler takes 15-60 s; what is tested here is how the fall back is reported
    monkeypatch.setattr(nutpie, "compile_pymc_model", lambda model, **kw: real(model)[0])
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())
    data = bm.simulate(60, channels=("tv",), seed=2).to_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        with pytest.warns(bm.CompileWarning, match="simulated failure"):
            fit = bm.fit(data, chains=1, draws=30, tune=30, seed=1, progress=False)
    assert fit.diagnostics.compile_path == "nutpie"
    assert "simulated failure" in fit.diagnostics.compile_fallback


def _fit_messages(data, caplog) -> list[str]:
    caplog.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        bm.fit(data, chains=1, draws=20, tune=20, seed=1, progress=False)
    return [m for m in caplog.messages if m.startswith(("compiling", "reusing"))]


def test_a_fit_says_when_it_compiles_and_when_it_reuses(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("BAYES_MMM_CACHE_DIR", str(tmp_path))  # nothing compiled here yet
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())
    caplog.set_level(logging.INFO, logger="bayes_mmm")
    data = bm.simulate(60, channels=("tv", "search"), seed=3).to_data()
    first = _fit_messages(data, caplog)
    assert len(first) == 1 and re.fullmatch(
        r"compiling the model once \(~\d+ s[^)]*\); later fits of this structure reuse it",
        first[0],
    ), first
    assert _fit_messages(data, caplog) == [estimate.reuse_message("process")]
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())  # as a new process: from the disk cache
    assert _fit_messages(data, caplog) == [estimate.reuse_message("disk")]
    # other weeks and channels: a known structure, estimated from the compile measured above
    other = bm.simulate(70, channels=("tv", "search", "social"), seed=4).to_data()
    new_shape = _fit_messages(other, caplog)
    assert len(new_shape) == 1 and "a known structure, new data shapes" in new_shape[0]
    assert estimate.expected_seconds("shape") > 0
    assert (tmp_path / estimate.FILE).is_file()
