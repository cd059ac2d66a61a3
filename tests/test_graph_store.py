"""The on-disk store of rewritten pytensor functions (inference._compile.graph_store): a later
compile of the same structure loads them, runs on its own data, gives the same draws as a
fresh compile, stores no data, and a bad or untrusted entry is never used."""

from __future__ import annotations

import numpy as np
import pytest
from test_compile_cache import _call_trampoline, _model_logp, _posterior, _same_structure_models

import bayes_mmm as bm
from bayes_mmm.inference._compile import fast as cc
from bayes_mmm.inference._compile import graph_store
from bayes_mmm.model.build import build_model

pytest.importorskip("nutpie")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYES_MMM_CACHE_DIR", str(tmp_path))
    return tmp_path / "graphs"


def _data():
    return _same_structure_models()[0]


def test_key_is_the_structure_not_the_data():
    """One key for the in-process memo (bayes_mmm.inference._compile.memo) and the store."""
    data_a, data_b = _same_structure_models()  # other data, other channel names
    a = graph_store.graph_key(build_model(data_a))
    assert a == graph_store.graph_key(build_model(data_b))
    for spec in (
        bm.ModelSpec(l_max=4),
        bm.ModelSpec(trend=False),
        bm.ModelSpec(likelihood="studentt"),
        bm.ModelSpec(saturation="michaelis_menten"),
        bm.ModelSpec(priors={"decay": bm.Prior("Uniform", lower=0.0, upper=1.0)}),
        bm.ModelSpec(priors={"intercept": bm.Prior("StudentT", nu=3.0, mu=0.5, sigma=0.5)}),
        bm.ModelSpec(priors={"intercept": bm.Prior("LogNormal", mu=0.0, sigma=0.5)}),
        bm.ModelSpec(priors={"half_saturation": bm.Prior("Gamma", alpha=4.0, beta=4.0)}),
    ):
        assert a != graph_store.graph_key(build_model(data_a, spec)), spec


def test_second_compile_loads_the_graph_and_runs_on_its_own_data(store, monkeypatch):
    data_a, data_b = _same_structure_models()
    model_a, model_b = build_model(data_a), build_model(data_b)
    _, info = cc.compile_nutpie(model_a)
    assert (info.path, info.graph) == ("fast", "miss"), info.reason
    assert len(list(store.glob("*.pkl"))) == 1
    loaded, info = cc.compile_nutpie(model_b)
    assert (info.path, info.graph) == ("fast", "hit"), info.reason
    x = loaded.initial_point_func(5)
    expected = _model_logp(model_b, loaded, x)  # PyMC's own logp of model b
    assert float(loaded.logp_func(x)[0]) == pytest.approx(expected, rel=1e-10)
    assert _call_trampoline(loaded, x) == pytest.approx(expected, rel=1e-10)

    # the same draws as compiling model b from scratch (with the store off: the same machine
    # code, so identical draws; nutpie's own compiler may round differently, see
    # test_compile_cache)
    monkeypatch.setenv("BAYES_MMM_CACHE_DIR", "off")
    fresh, info = cc.compile_nutpie(build_model(data_b))
    assert info.graph == "off"
    a, b = _posterior(loaded), _posterior(fresh)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_entries_hold_no_data(store):
    data = _data()
    model = build_model(data)
    cc.compile_nutpie(model)
    (entry,) = store.glob("*.pkl")
    payload = entry.read_bytes()
    for var in model.data_vars:
        value = np.asarray(var.get_value(), dtype=np.float64)
        if value.size >= 4 and np.count_nonzero(value):
            assert value.tobytes()[:64] not in payload, var.name
    # and the model's data is intact after saving
    np.testing.assert_array_equal(
        model["target_scaled"].get_value(), build_model(data)["target_scaled"].get_value()
    )


def test_corrupted_or_untrusted_entries_are_not_used(store):
    model = build_model(_data())
    cc.compile_nutpie(model)
    (entry,) = store.glob("*.pkl")
    entry.write_bytes(b"not a pickle")
    _, info = cc.compile_nutpie(model)
    assert info.graph == "miss"  # removed and stored again
    assert entry.read_bytes() != b"not a pickle"
    entry.chmod(0o666)  # writable by others: never unpickled
    _, info = cc.compile_nutpie(model)
    assert info.graph == "miss"
    assert entry.stat().st_mode & 0o022 == 0  # replaced by a private entry


def test_disabled_store(monkeypatch):
    monkeypatch.setenv("BAYES_MMM_CACHE_DIR", "off")
    _, info = cc.compile_nutpie(build_model(_data()))
    assert (info.path, info.graph) == ("fast", "off")


def test_least_recently_used_entries_are_pruned(store, monkeypatch):
    import os

    monkeypatch.setattr(graph_store, "MAX_ENTRIES", 2)
    specs = [bm.ModelSpec(), bm.ModelSpec(saturation="logistic"), bm.ModelSpec(adstock="delayed")]
    models = [build_model(_data(), spec) for spec in specs]  # three structures
    keys = [graph_store.graph_keys(m)[1] for m in models]
    cc.compile_nutpie(models[0])
    cc.compile_nutpie(models[1])
    os.utime(store / f"{keys[1]}.pkl", (1, 1))  # entry 1 is now the oldest ...
    _, info = cc.compile_nutpie(models[0])  # ... and entry 0 was just used
    assert info.graph == "hit"
    cc.compile_nutpie(models[2])
    assert sorted(p.stem for p in store.glob("*.pkl")) == sorted([keys[0], keys[2]])
