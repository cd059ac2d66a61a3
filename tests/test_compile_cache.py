"""The fast nutpie compile path (bayes_mmm.inference._compile.fast): same posterior as nutpie's own
compiler, and a disk cache that is safe when empty, corrupted, unusable or disabled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pymc as pm
import pytest

import bayes_mmm as bm
from bayes_mmm.inference._compile import fast as cc
from bayes_mmm.inference._compile import trampolines as tr
from bayes_mmm.model.build import build_model

nutpie = pytest.importorskip("nutpie")

SMALL = dict(draws=60, tune=60, chains=2, seed=7, progress_bar=False)


def _posterior(compiled) -> dict[str, np.ndarray]:
    trace = nutpie.sample(compiled, **SMALL)
    post = trace["posterior"].to_dataset()
    return {k: post[k].values for k in post.data_vars}


@pytest.fixture(scope="module")
def demo_model() -> pm.Model:
    return build_model(bm.load_demo()[0])


def test_fast_path_gives_nutpies_posterior(demo_model):
    """The fast path's shape-generic functions compute nutpie's own logp, gradient and
    trace expansion (to rounding: the graphs are rewritten apart), and sampling with them
    gives nutpie's posterior (same variables and shapes, means within 0.75 sd)."""
    fast, info = cc.compile_nutpie(demo_model)
    assert info.path == "fast", info.reason
    slow, info_slow = cc.compile_nutpie(demo_model, fast=False)
    assert info_slow.path == "nutpie"
    assert (fast.n_dim, fast.n_expanded) == (slow.n_dim, slow.n_expanded)
    rng = np.random.default_rng(3)
    for _ in range(10):
        x = slow.initial_point_func(int(rng.integers(1000))) + rng.normal(0, 0.3, slow.n_dim)
        (value, grad), (ref, ref_grad) = fast.logp_func(x), slow.logp_func(x)
        np.testing.assert_allclose(value, ref, rtol=1e-10)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(fast.expand_func(x)[0], slow.expand_func(x)[0], rtol=1e-10)
    a, b = _posterior(fast), _posterior(slow)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].shape == b[name].shape, name
        sd = np.maximum(b[name].std(axis=(0, 1)), 1e-12)
        assert np.all(np.abs(a[name].mean(axis=(0, 1)) - b[name].mean(axis=(0, 1))) < 0.75 * sd)


def test_fast_path_logp_matches_pytensor(demo_model):
    """The model's own logp and gradient (PyMC, no nutpie) at random points."""
    fast, _ = cc.compile_nutpie(demo_model)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = fast.initial_point_func(int(rng.integers(1000))) + rng.normal(0, 0.1, fast.n_dim)
        value, grad = fast.logp_func(x)
        model_value = _model_logp(demo_model, fast, x)
        assert float(value) == pytest.approx(model_value, rel=1e-10)
        assert np.all(np.isfinite(grad))


def _model_logp(model, compiled, x) -> float:
    names, slices, shapes = compiled.shape_info
    point = {
        n: x[s].reshape(shape)
        for n, s, shape in zip(names, slices, shapes, strict=True)
        if n in {v.name for v in model.value_vars}
    }
    return float(model.compile_logp()(point))


def test_same_structure_shares_compiled_code():
    """Data sets of one structure (here 80 and 100 weeks) compile to the same graph key."""
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    keys = []
    for weeks, seed in ((80, 1), (100, 2)):
        data = bm.simulate(weeks, channels=("a", "b"), seed=seed).to_data()
        compiled, info = cc.compile_nutpie(build_model(data))
        assert info.path == "fast", info.reason
        keys.append(CACHED_SRC_FUNCTIONS[compiled.logp_func.vm.jit_fn.py_func])
    assert keys[0] == keys[1]


def test_with_data_swaps_the_shared_data(demo_model):
    fast, _ = cc.compile_nutpie(demo_model)
    other = bm.simulate(120, channels=("tv", "search", "social", "display"), seed=5)
    model2 = build_model(other.to_data())
    fresh, _ = cc.compile_nutpie(model2)
    swapped = fast.with_data(**fresh.shared_data)
    x = fresh.initial_point_func(1)
    assert _call_trampoline(swapped, x) == pytest.approx(float(fresh.logp_func(x)[0]), rel=1e-12)


def _call_trampoline(compiled, x) -> float:
    import ctypes

    dbl = ctypes.POINTER(ctypes.c_double)
    proto = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_uint64, dbl, dbl, dbl, ctypes.c_void_p)
    fn = proto(compiled.compiled_logp_func.address)
    x = np.ascontiguousarray(x, dtype=float)
    grad, value = np.zeros(compiled.n_dim), np.zeros(1)
    ptr = compiled.user_data.ctypes.data
    code = fn(
        len(x), x.ctypes.data_as(dbl), grad.ctypes.data_as(dbl), value.ctypes.data_as(dbl), ptr
    )
    assert code == 0
    return float(value[0])


def test_fallback_to_nutpie_when_the_fast_path_fails(monkeypatch):
    def broken(model):
        raise cc.FastPathUnsupported("simulated failure")

    monkeypatch.setattr(cc, "_fast_compile", broken)
    with pm.Model() as model:
        pm.Normal("a", 1.0, 2.0)
    compiled, info = cc.compile_nutpie(model)
    assert info.path == "nutpie" and "simulated failure" in info.reason
    trace = nutpie.sample(compiled, **SMALL)
    assert trace["posterior"]["a"].shape == (2, 60)


def _compile_in_empty_cache(monkeypatch, cache_dir, kind: str = "first") -> tuple:
    """Compile the demo model as the first fit on a machine would meet its trampolines:
    none in this process, none in the cache (a compile of ``kind``, :mod:`.estimate`);
    returns (compiled, info, [(helper started or None, structure it was given)])."""
    from bayes_mmm.inference._compile import background

    monkeypatch.setenv(tr.CACHE_ENV, str(cache_dir))
    monkeypatch.setattr(cc.estimate, "kind_of", lambda structure: kind)
    monkeypatch.setattr(tr, "_TRAMPOLINES", {})
    started, start = [], background.start

    def spy(source, structure=None):
        started.append((start(source, structure), structure))
        return started[-1][0]

    monkeypatch.setattr(background, "start", spy)
    compiled, info = cc.compile_nutpie(build_model(bm.load_demo()[0]))
    return compiled, info, started


def test_new_trampolines_compile_in_a_helper_process(monkeypatch, tmp_path):
    """Trampolines not yet cached, and the expansion function of a structure just stored,
    are compiled by a helper process while the logp compiles here (the helper ran without
    error); a later process finds both cached and starts no helper."""
    from bayes_mmm.inference._compile import background

    compiled, info, started = _compile_in_empty_cache(monkeypatch, tmp_path)
    assert info.path == "fast" and info.cache == "helper" and info.graph == "miss", info
    [(helper, structure)] = started
    assert helper.returncode == 0 and structure is not None
    assert background.compile_expand(structure)  # what the helper did, here
    x = compiled.initial_point_func(1)
    assert _call_trampoline(compiled, x) == pytest.approx(float(compiled.logp_func(x)[0]))
    _, again, started = _compile_in_empty_cache(monkeypatch, tmp_path)
    assert again.cache == "hit" and again.graph == "hit" and started == [(None, None)]
    # a new structure where something compiled before: the helper does the trampolines only
    _, other, started = _compile_in_empty_cache(monkeypatch, tmp_path / "b", "structure")
    assert other.cache == "helper" and started[0][1] is None


def test_a_slow_helper_is_killed_and_its_work_done_here(monkeypatch, tmp_path):
    """This process waits for the helper at most as long as its own compile took (at least
    ``MIN_WAIT_S``), then kills it and compiles the rest itself (so a helper that fails or
    hangs costs only time)."""
    from bayes_mmm.inference._compile import background

    monkeypatch.setattr(background, "_CHILD", "import time; time.sleep(600)")
    monkeypatch.setattr(background, "MIN_WAIT_S", 0.5)
    compiled, info, started = _compile_in_empty_cache(monkeypatch, tmp_path)
    assert started[0][0].returncode < 0  # killed
    assert info.path == "fast" and info.cache == "miss", info
    x = compiled.initial_point_func(3)
    assert _call_trampoline(compiled, x) == pytest.approx(float(compiled.logp_func(x)[0]))


# ---- the disk cache, each case in a fresh process ---------------------------------------------
SCRIPT = textwrap.dedent(
    """
    import json, sys
    from bayes_mmm.inference._compile import trampolines as tr
    logp, expand, status = tr.trampolines(tr.trampoline_source((1, 0), (2,), True, False))
    print(json.dumps({"status": status, "address": bool(logp.address and expand.address)}))
    """
)


def _trampoline_status(cache_dir, numba_cache_dir=None) -> dict:
    """Trampolines compiled in a new process with bayes_mmm's cache in ``cache_dir``;
    numba caches them beside their source, or in ``numba_cache_dir`` (NUMBA_CACHE_DIR)."""
    env = dict(os.environ, BAYES_MMM_CACHE_DIR=str(cache_dir))
    env.pop("NUMBA_CACHE_DIR", None)
    if numba_cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(numba_cache_dir)
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_disk_cache_miss_then_hit(tmp_path):
    assert _trampoline_status(tmp_path) == {"status": "miss", "address": True}
    assert _trampoline_status(tmp_path) == {"status": "hit", "address": True}


def test_corrupted_cache_is_rebuilt(tmp_path):
    """With NUMBA_CACHE_DIR set (numba then caches elsewhere than beside the source; the
    default layout is the other tests')."""
    numba_dir = tmp_path / "numba"
    _trampoline_status(tmp_path / "bm", numba_dir)
    files = [p for p in numba_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".nbi" for p in files)
    for p in files:
        if p.suffix in (".nbi", ".nbc"):
            p.write_bytes(b"not a numba cache file")
    assert _trampoline_status(tmp_path / "bm", numba_dir)["status"] == "miss"
    assert _trampoline_status(tmp_path / "bm", numba_dir)["status"] == "hit"


def test_wrong_generated_source_is_replaced(tmp_path):
    _trampoline_status(tmp_path)
    (py,) = (tmp_path / "nutpie").glob("*.py")
    py.write_text("raise RuntimeError('tampered')\n")
    assert _trampoline_status(tmp_path)["status"] == "miss"
    assert "tampered" not in py.read_text()


def test_unusable_or_disabled_cache_compiles_in_memory(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert _trampoline_status(blocker / "cache")["status"] == "off"
    assert _trampoline_status("off")["status"] == "off"


def test_concurrent_processes_share_one_cache(tmp_path):
    env = dict(os.environ, BAYES_MMM_CACHE_DIR=str(tmp_path))
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
    assert all(o["address"] for o in outs)
    assert len(list((tmp_path / "nutpie").glob("*.py"))) == 1
    assert not list((tmp_path / "nutpie").glob(".*.tmp"))
    assert _trampoline_status(tmp_path)["status"] == "hit"


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(tr.CACHE_ENV, str(tmp_path))
    assert tr.cache_dir() == tmp_path
    monkeypatch.setenv(tr.CACHE_ENV, "off")
    assert tr.cache_dir() is None
    monkeypatch.delenv(tr.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tr.cache_dir() == tmp_path / "bayes_mmm"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr.trampoline_source((), (), True, True)  # no shared data: still valid source


# ---- in-process reuse (inference._compile.memo) ----------------------------------------
def _same_structure_models():
    """Two data sets of one structure (3 channels, 90 weeks), different data and names."""
    a = bm.simulate(90, channels=("tv", "search", "radio"), seed=21).to_data()
    b = bm.simulate(90, channels=("x", "y", "z"), seed=22).to_data()
    return a, b


def test_refit_of_a_structure_reuses_the_compiled_model_with_identical_draws():
    from bayes_mmm.inference._compile import memo as compile_memo

    data_a, data_b = _same_structure_models()  # same key: tests/test_graph_store.py
    compile_memo.clear()
    fresh, info = compile_memo.compile_reusing(build_model(data_b))
    assert info.cache != "process"
    compile_memo.clear()
    compile_memo.compile_reusing(build_model(data_a))
    reused, info = compile_memo.compile_reusing(build_model(data_b))
    assert info.cache == "process"
    assert list(reused._coords["channel"]) == ["x", "y", "z"]
    a, b = _posterior(fresh), _posterior(reused)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_fit_reports_reuse_and_other_structures_still_compile():
    from bayes_mmm.inference._compile import memo as compile_memo

    data_a, data_b = _same_structure_models()
    compile_memo.clear()
    kwargs = dict(chains=2, draws=50, tune=50, seed=3, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        first = bm.fit(data_a, **kwargs)
        again = bm.fit(data_b, **kwargs)
        other = bm.fit(data_b, bm.ModelSpec(trend=False), **kwargs)
    # reuse is told by where the compiled model came from, not by seconds (a memo hit took
    # 1.05 s against a disk load's 0.47 s once, on a machine busy with the suite's workers)
    assert first.diagnostics.compile_cache != "process"
    assert again.diagnostics.compile_cache == "process"
    assert list(again.posterior["roi"]["channel"].values) == ["x", "y", "z"]
    assert "trend" not in other.posterior and "trend" in again.posterior


def test_reused_model_pytensor_logp_is_the_new_models():
    """The laplace sampler evaluates ``logp_func`` (pytensor) directly: after reuse it must be
    the new model's logp, not the first model's."""
    from bayes_mmm.inference._compile import memo as compile_memo

    data_a, data_b = _same_structure_models()
    compile_memo.clear()
    compile_memo.compile_reusing(build_model(data_a))
    model_b = build_model(data_b)
    reused, info = compile_memo.compile_reusing(model_b)
    assert info.cache == "process"
    x = reused.initial_point_func(4)
    expected = _model_logp(model_b, reused, x)
    assert float(reused.logp_func(x)[0]) == pytest.approx(expected, rel=1e-10)
    assert _call_trampoline(reused, x) == pytest.approx(expected, rel=1e-10)


# ---- concurrent writers, first and later fits --------------------------------------------------
FIT_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, warnings
    warnings.simplefilter("ignore")
    import nutpie
    import numpy as np
    import bayes_mmm as bm
    from bayes_mmm.inference._compile import fast
    from bayes_mmm.model.build import build_model

    data = bm.simulate(40, ("tv", "search"), seed=1).to_data()  # a structure quick to compile
    spec = bm.ModelSpec(adstock=False, trend=False, yearly_seasonality=None)
    compiled, info = fast.compile_nutpie(build_model(data, spec))
    rng, logp = np.random.default_rng(0), hashlib.sha256()
    for _ in range(5):
        x = compiled.initial_point_func(0) + rng.normal(0, 0.5, compiled.n_dim)
        value, grad = compiled.logp_func(x)
        logp.update(np.float64(value).tobytes() + np.asarray(grad, dtype=np.float64).tobytes())
    trace = nutpie.sample(compiled, draws=30, tune=30, chains=1, seed=3, progress_bar=False)
    digest = hashlib.sha256(trace["posterior"]["roi"].values.tobytes()).hexdigest()
    print(json.dumps({"path": info.path, "reason": info.reason, "cache": info.cache,
                      "logp": logp.hexdigest(), "roi": digest}))
    """
)


def _run_fits(root, n: int) -> list[dict]:
    """``n`` processes at once running ``FIT_SCRIPT`` with bayes_mmm's and pytensor's
    caches (the compiled kernels too) under ``root``."""
    flags = ",".join(
        f for f in (os.environ.get("PYTENSOR_FLAGS"), f"base_compiledir={root}/pt") if f
    )
    env = dict(os.environ, BAYES_MMM_CACHE_DIR=str(root / "bm"), PYTENSOR_FLAGS=flags)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIT_SCRIPT],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=900)
        assert p.returncode == 0, stderr[-3000:]
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    return outs


@pytest.mark.slow
def test_first_fits_and_later_ones_draw_the_same_and_share_one_cache(tmp_path):
    """Two processes compile one structure at once on a clean machine (every cache empty:
    each compiles the kernels and writes the graph, trampolines and compile record): both
    use the fast path and draw the same. A later process loads all of it (a hit) and
    computes the same logp and gradient to the last bit and the same draws: with
    pytensor's fastmath flags, freshly compiled and cache-loaded machine code differed in
    the last bits and the first fit on a machine drew other draws than later ones."""
    together = _run_fits(tmp_path, 2)
    for out in together:
        assert out["path"] == "fast", out["reason"]
        assert out["cache"] != "hit", out  # compiled here: the kernels were not cached
    assert together[0]["roi"] == together[1]["roi"]
    assert not list(tmp_path.rglob("*.tmp"))
    later = _run_fits(tmp_path, 1)[0]
    assert later["path"] == "fast" and later["cache"] == "hit", later
    assert (later["logp"], later["roi"]) == (together[0]["logp"], together[0]["roi"])
