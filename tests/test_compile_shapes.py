"""A data set of another length and channel count reuses the compiled code (issue 19): the
compiled functions take the sizes as inputs (``_compile/generic.py``), so after one fit a
second data set with other weeks and channels compiles nothing (counted with numba's compile
events, not seconds), in the same process and in a new one, and its logp and gradient equal
PyMC's own. And a fall back from the fast path is visible: a ``CompileWarning`` and the
reason in the fit's diagnostics. A fit says when it compiles (with an estimate of how long)
and when it reuses a compiled model."""

from __future__ import annotations

import json
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


def _logp_matches_pymc(compiled, model) -> None:
    """The compiled logp and gradient at a random point equal PyMC's own for ``model``."""
    names, slices, shapes = compiled.shape_info
    x = np.random.default_rng(0).normal(0, 0.3, compiled.n_dim)
    value, grad = compiled.logp_func(x)
    point = {
        n: x[s].reshape(sh)
        for n, s, sh in zip(names, slices, shapes, strict=False)
        if s.stop <= compiled.n_dim
    }
    np.testing.assert_allclose(value, model.compile_logp()(point), rtol=1e-10)
    ref = model.compile_dlogp()(point)
    np.testing.assert_allclose(grad, ref, rtol=1e-8, atol=1e-10)


def test_new_weeks_and_channels_reuse_the_compiled_code(monkeypatch):
    """The compiled functions are shape-generic (``_compile/generic.py``): data of another
    length and channel count run on the first model's compiled code, in the same process
    (the memo) and in a new one (the stored graph), with no numba compilation at all."""
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())  # this process has compiled nothing
    first, info, _ = _compile_counting(_model(104, 3))
    assert info.path == "fast", info.reason
    second_model = _model(131, 5)
    second, info, compiles = _compile_counting(second_model)
    assert (info.path, info.cache) == ("fast", "process"), info
    assert compiles == [] and second.n_dim != first.n_dim  # really another shape
    _logp_matches_pymc(second, second_model)
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())  # as a new process: the stored graph
    third_model = _model(90, 7)
    third, info, compiles = _compile_counting(third_model)
    assert (info.path, info.graph) == ("fast", "hit"), info
    assert GLUE not in compiles, compiles  # at most numba's BLAS pointer helpers
    assert third.n_dim not in (first.n_dim, second.n_dim)
    _logp_matches_pymc(third, third_model)


def test_new_geo_counts_reuse_the_compiled_code(monkeypatch):
    """Geo models too: another number of geos (and weeks and channels) runs on the compiled
    code of the first, in the process and from the stored graph (shapes pooled per geo, the
    larger structure; shared shapes were checked by hand too); logp and gradient equal
    PyMC's (checked on the last: the in-process reuse is checked against PyMC above)."""
    from bayes_mmm.data.simulate_geo import simulate_geo

    spec = bm.ModelSpec(geo_shapes="pooled")
    sizes = ((2, 80, ("a", "b")), (3, 95, ("a", "b", "c")), (5, 70, ("a", "b", "c", "d")))
    models = [build_model(simulate_geo(g, w, ch, seed=g).to_data(), spec) for g, w, ch in sizes]
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())
    first, info, _ = _compile_counting(models[0])
    assert info.path == "fast", info.reason
    second, info, compiles = _compile_counting(models[1])
    assert (info.cache, compiles) == ("process", []) and second.n_dim > first.n_dim
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())  # as a new process: the stored graph
    third, info, compiles = _compile_counting(models[2])
    assert info.graph == "hit" and GLUE not in compiles, (info, compiles)
    _logp_matches_pymc(third, models[2])


def test_a_users_file_of_other_length_and_channels_reuses_the_compiled_code(monkeypatch):
    """Not only our simulator: Robyn's sample file (``DATE``, ``revenue``, a categorical
    ``events`` control), 150 weeks of three channels and then 200 weeks of five, compile
    once; the second runs on the first's code and its logp and gradient equal PyMC's."""
    from pathlib import Path

    import pandas as pd

    raw = pd.read_csv(Path(__file__).parent / "data" / "robyn_dt_simulated_weekly.csv")
    channels = ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"]

    def model(weeks: int, n_channels: int):
        data = bm.from_frame(
            raw.iloc[:weeks], date="DATE", target="revenue", channels=channels[:n_channels],
            controls=["competitor_sales_B", "events"], categorical=["events"],
        )  # fmt: skip
        return build_model(data)

    monkeypatch.setattr(memo, "_MEMO", OrderedDict())
    first, info, _ = _compile_counting(model(150, 3))
    assert info.path == "fast", info.reason
    second_model = model(200, 5)
    second, info, compiles = _compile_counting(second_model)
    assert (info.cache, compiles) == ("process", []) and second.n_dim > first.n_dim
    _logp_matches_pymc(second, second_model)


def test_compiled_functions_have_no_shape_checks_to_compile():
    """The compiled logp and trace expansion hold no ``SpecifyShape``: its numba kernel
    formats an error string, ~1.2-2.4 s of a first compile (the lag count comes from the
    data, not a constant; a scalar is an index into the flat point, not a reshaped slice)."""
    from nutpie.compile_pymc import _wrap_with_lock
    from pymc.initial_point import make_initial_point_fn
    from pytensor.tensor.shape import SpecifyShape

    from bayes_mmm.data.simulate_geo import simulate_geo
    from bayes_mmm.inference._compile import generic

    for data in (bm.load_demo()[0], simulate_geo(3, 60, ("a", "b"), seed=1).to_data()):
        model = build_model(data)
        start = make_initial_point_fn(model=model, return_transformed=True)
        for fn in generic.make_functions(model, _wrap_with_lock(start))[2:4]:
            ops = [type(n.op) for n in fn.maker.fgraph.toposort()]
            assert SpecifyShape not in ops, (data.n_geos, fn)


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


def test_compile_estimate_grows_with_the_logp(monkeypatch, tmp_path):
    """The "compiling the model once (~N s)" estimate scales with the logp's node count (a
    geo model compiles ~2x longer than a national one): the fixed estimate per
    ``REFERENCE_NODES`` nodes, then the last compile measured here, per node."""
    monkeypatch.setenv("BAYES_MMM_CACHE_DIR", str(tmp_path))
    ref = estimate.REFERENCE_NODES
    assert estimate.expected_seconds("first", 2 * ref) == 2 * estimate.FIRST_S
    assert estimate.expected_seconds("structure") == estimate.STRUCTURE_S
    estimate.record("a" * 64, "structure", 12.0, nodes=200)
    assert estimate.expected_seconds("structure", 400) == pytest.approx(24.0)
    assert estimate.expected_seconds("structure") == 12.0  # no count: the last compile
    assert "~24 s" in estimate.compile_message("structure", 400)


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
    # the compile recorded its seconds per logp node (the next estimate scales with it)
    recorded = json.loads((tmp_path / estimate.FILE).read_text())
    assert [k for k, v in recorded.items() if k.endswith("_per_node") and v > 0], recorded
    assert _fit_messages(data, caplog) == [estimate.reuse_message("process")]
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())  # as a new process: from the disk cache
    assert _fit_messages(data, caplog) == [estimate.reuse_message("disk")]
    # other weeks and channels: the same compiled model, in this process and from the disk
    other = bm.simulate(70, channels=("tv", "search", "social"), seed=4).to_data()
    assert _fit_messages(other, caplog) == [estimate.reuse_message("process")]
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())
    assert _fit_messages(other, caplog) == [estimate.reuse_message("disk")]
    # a structure compiled here whose stored graph is gone: estimated from the compile above
    for path in (tmp_path / "graphs").glob("*.pkl"):
        path.unlink()
    monkeypatch.setattr(memo, "_MEMO", OrderedDict())
    again = _fit_messages(other, caplog)
    assert len(again) == 1 and "a structure compiled before" in again[0], again
    assert estimate.expected_seconds("shape") > 0
    assert (tmp_path / estimate.FILE).is_file()
