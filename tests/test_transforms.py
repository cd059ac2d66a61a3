"""Media transforms: numpy and pytensor twins agree, and each has the properties it promises."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayes_mmm.transforms import (
    adstock_weights,
    adstock_weights_pt,
    geometric_adstock,
    geometric_adstock_pt,
    hill,
    hill_derivative,
    hill_logit_pt,
    hill_pt,
    lag_stack,
)

L_MAX = 6


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


def random_spend(rng, n_dates=40, n_channels=3):
    """Positive spend with runs of exact zeros (flighting) in every channel."""
    x = rng.lognormal(0.0, 0.7, size=(n_dates, n_channels))
    x[rng.random(x.shape) < 0.3] = 0.0
    x[:3, 0] = 0.0  # leading zeros
    x[-4:, 1] = 0.0  # trailing zeros
    return x


def pt_eval(fn, *arrays):
    """Evaluate a pytensor expression built by ``fn`` from float64 inputs."""
    inputs = [pt.tensor(dtype="float64", shape=(None,) * np.ndim(a)) for a in arrays]
    return pytensor.function(inputs, fn(*inputs))(*arrays)


# ---- twins -----------------------------------------------------------------------------------
def test_adstock_weights_twins_equal(rng):
    decay = np.array([0.0, 0.05, 0.5, 0.95])
    for normalize in (True, False):
        expected = adstock_weights(decay, L_MAX, normalize=normalize)
        got = pt_eval(lambda d, n=normalize: adstock_weights_pt(d, L_MAX, normalize=n), decay)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_geometric_adstock_twins_equal(rng):
    x = random_spend(rng)
    decay = rng.uniform(0.0, 0.95, size=3)
    expected = geometric_adstock(x, decay, L_MAX)
    got = pt_eval(lambda xl, d: geometric_adstock_pt(xl, d, L_MAX), lag_stack(x, L_MAX), decay)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_geometric_adstock_batches_over_draws(rng):
    x = random_spend(rng)
    decay = rng.uniform(0.0, 0.95, size=(5, 3))  # 5 draws
    batch = geometric_adstock(x, decay, L_MAX)
    assert batch.shape == (5, *x.shape)
    for s in range(5):
        np.testing.assert_allclose(batch[s], geometric_adstock(x, decay[s], L_MAX), rtol=1e-12)


def test_hill_twins_equal_including_zero_spend(rng):
    x = random_spend(rng)
    assert (x == 0).any()
    k = rng.uniform(0.3, 2.0, size=3)
    s = np.array([0.1, 0.5, 3.0])  # a small slope must not lift the curve at zero spend
    expected = hill(x, k, s)
    got = pt_eval(hill_pt, x, k, s)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    assert np.all((expected >= 0) & (expected < 1))
    assert np.all(expected[x == 0] == 0.0)


def test_hill_logit_twin_equals_numpy_hill_including_zero_spend(rng):
    """The model's form: the curve given by u = -slope * log(k), its logit at x = 1."""
    x = random_spend(rng)
    k = rng.uniform(0.3, 2.0, size=3)
    s = np.array([0.1, 0.9, 3.0])
    got = pt_eval(hill_logit_pt, x, -s * np.log(k), s)
    np.testing.assert_allclose(got, hill(x, k, s), rtol=1e-12, atol=1e-300)
    assert np.all(got[x == 0] == 0.0)


def test_hill_logit_gradient_matches_finite_differences_at_zero_spend():
    x = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 2.0], [0.0, 3.0]])
    u = pt.vector("u", dtype="float64")
    s = pt.vector("s", dtype="float64")
    grads = pytensor.function([u, s], pt.grad(hill_logit_pt(pt.as_tensor(x), u, s).sum(), [u, s]))
    u_val, s_val, eps = np.array([0.3, -1.2]), np.array([0.4, 2.5]), 1e-6
    g_u, g_s = grads(u_val, s_val)
    for c in range(2):
        du = np.zeros(2)
        du[c] = eps
        k_plus, k_minus = np.exp(-(u_val + du) / s_val), np.exp(-(u_val - du) / s_val)
        num = (hill(x, k_plus, s_val).sum() - hill(x, k_minus, s_val).sum()) / (2 * eps)
        assert g_u[c] == pytest.approx(num, rel=1e-6)
    assert np.all(np.isfinite(g_s))


def test_hill_matches_textbook_formula(rng):
    x = rng.uniform(0.01, 5.0, size=(30, 2))
    k = np.array([0.7, 1.9])
    s = np.array([1.0, 2.5])
    np.testing.assert_allclose(hill(x, k, s), x**s / (x**s + k**s), rtol=1e-12)


def test_hill_batches_over_draws(rng):
    x = random_spend(rng)
    k = rng.uniform(0.3, 2.0, size=(4, 3))
    s = rng.uniform(0.5, 3.0, size=(4, 3))
    batch = hill(x, k, s)
    assert batch.shape == (4, *x.shape)
    np.testing.assert_allclose(batch[2], hill(x, k[2], s[2]), rtol=1e-12)


# ---- properties ------------------------------------------------------------------------------
def test_adstock_weights_sum_to_one(rng):
    decay = rng.uniform(0.0, 0.99, size=(7, 4))
    w = adstock_weights(decay, L_MAX)
    assert w.shape == (7, L_MAX, 4)
    np.testing.assert_allclose(w.sum(axis=-2), 1.0, rtol=1e-12)
    assert np.all(w >= 0)


def test_lag_stack_shifts_with_leading_zeros(rng):
    x = random_spend(rng, n_dates=10, n_channels=2)
    stack = lag_stack(x, 4)
    assert stack.shape == (4, 10, 2)
    for lag in range(4):
        np.testing.assert_array_equal(stack[lag, lag:], x[: 10 - lag])
        np.testing.assert_array_equal(stack[lag, :lag], 0.0)


@pytest.mark.parametrize("decay", [0.0, 0.3, 0.8])
def test_adstock_impulse_response_is_normalised_decay_powers(decay):
    n = 15
    x = np.zeros((n, 1))
    x[2, 0] = 1.0  # one unit of spend in week 2
    out = geometric_adstock(x, np.array([decay]), L_MAX)[:, 0]
    powers = decay ** np.arange(L_MAX)
    expected = np.zeros(n)
    expected[2 : 2 + L_MAX] = powers / powers.sum()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    assert out.sum() == pytest.approx(1.0)  # normalised weights keep the spend's total


def test_hill_at_half_saturation_is_one_half():
    k = np.array([0.4, 1.0, 3.0])
    s = np.array([0.7, 1.0, 4.0])
    x = np.tile(k, (2, 1))  # x == k in every channel
    np.testing.assert_allclose(hill(x, k, s), 0.5, rtol=1e-12)
    np.testing.assert_allclose(pt_eval(hill_pt, x, k, s), 0.5, rtol=1e-12)


def test_hill_is_increasing_in_spend():
    x = np.linspace(0.0, 10.0, 200)[:, None] * np.ones((1, 2))
    h = hill(x, np.array([1.0, 2.0]), np.array([0.8, 2.5]))
    assert np.all(np.diff(h, axis=0) > 0)
    assert np.all(h[-1] < 1)


def test_hill_derivative_matches_central_differences(rng):
    x = rng.uniform(0.05, 5.0, size=(50, 3))
    k = np.array([0.5, 1.2, 2.0])
    s = np.array([0.8, 1.5, 3.0])
    eps = 1e-6
    numeric = (hill(x + eps, k, s) - hill(x - eps, k, s)) / (2 * eps)
    np.testing.assert_allclose(hill_derivative(x, k, s), numeric, rtol=1e-6, atol=1e-9)


def test_hill_derivative_batches_over_draws(rng):
    x = rng.uniform(0.05, 5.0, size=(20, 2))
    k = rng.uniform(0.5, 2.0, size=(3, 2))
    s = rng.uniform(0.5, 2.0, size=(3, 2))
    d = hill_derivative(x, k, s)
    assert d.shape == (3, 20, 2)
    np.testing.assert_allclose(d[1], hill_derivative(x, k[1], s[1]), rtol=1e-12)


def test_hill_pt_gradient_is_finite_at_zero_spend():
    x = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 2.0], [0.0, 3.0]])
    k = pt.vector("k", dtype="float64")
    s = pt.vector("s", dtype="float64")
    total = hill_pt(pt.as_tensor_variable(x), k, s).sum()
    grads = pytensor.function([k, s], pt.grad(total, [k, s]))
    for k_val, s_val in [([1.0, 0.5], [1.0, 2.0]), ([0.2, 3.0], [0.3, 4.0])]:
        g_k, g_s = grads(np.array(k_val), np.array(s_val))
        assert np.all(np.isfinite(g_k)) and np.all(np.isfinite(g_s))
        assert np.all(g_k < 0)  # more half-saturation, less effect
        # the gradient is the true one: compare with finite differences of the numpy twin
        eps = 1e-6
        for c in range(2):
            dk = np.zeros(2)
            dk[c] = eps
            num = (
                hill(x, np.array(k_val) + dk, np.array(s_val)).sum()
                - hill(x, np.array(k_val) - dk, np.array(s_val)).sum()
            ) / (2 * eps)
            assert g_k[c] == pytest.approx(num, rel=1e-5, abs=1e-9)


def test_hill_pt_gradient_wrt_spend_is_finite_at_zero():
    x = pt.matrix("x", dtype="float64")
    total = hill_pt(x, pt.as_tensor_variable(np.array([1.0])), pt.as_tensor([2.0])).sum()
    g = pytensor.function([x], pt.grad(total, x))(np.array([[0.0], [1.0]]))
    assert np.all(np.isfinite(g))
