"""``convolve`` works through the draws in blocks (speed): the result must be the exact
lag-by-lag sum, bit for bit whatever the block size, and equal ``np.convolve`` per draw."""

import numpy as np
import pytest

from bayes_mmm.model.components import base


@pytest.mark.parametrize(
    ("x_shape", "w_shape"),
    [
        ((1, 1, 30, 3), (130, 1, 6, 3)),
        ((130, 1, 30, 3), (130, 1, 6, 3)),
        ((130, 1, 4, 3), (1, 1, 6, 3)),
    ],
)
def test_blocked_convolve_is_exact(monkeypatch, x_shape, w_shape):
    rng = np.random.default_rng(3)
    x, w = rng.random(x_shape), rng.random(w_shape)
    monkeypatch.setattr(base, "CONVOLVE_BLOCK", 10**9)
    whole = base.convolve(x, w, axis=2)
    monkeypatch.setattr(base, "CONVOLVE_BLOCK", 7)  # 130 draws: 19 blocks, the last partial
    blocked = base.convolve(x, w, axis=2)
    assert blocked.shape == whole.shape == np.broadcast_shapes(x_shape, w_shape[:2] + x_shape[2:])
    assert np.array_equal(blocked, whole)
    xs, ws = np.broadcast_to(x, whole.shape), np.broadcast_to(w, whole.shape[:2] + w_shape[2:])
    n = x_shape[2]
    for s in (0, 6, 7, 129):
        for c in range(3):
            ref = np.convolve(xs[s, 0, :, c], ws[s, 0, :, c])[:n]
            np.testing.assert_allclose(blocked[s, 0, :, c], ref, rtol=1e-12)


def test_convolve_two_dimensional():
    x, w = np.arange(10.0)[:, None] * [1.0, 2.0], np.array([[0.5, 1.0], [0.3, 0.0], [0.2, 0.0]])
    out = base.convolve(x, w, axis=0)
    np.testing.assert_allclose(out[:, 0], np.convolve(x[:, 0], w[:, 0])[:10])
    np.testing.assert_allclose(out[:, 1], x[:, 1])


@pytest.mark.parametrize(
    ("x_shape", "w_shape"),
    [
        ((1, 1, 40, 4), (300, 1, 8, 4)),  # national: the data's spend, weights per draw
        ((1, 5, 30, 3), (200, 5, 6, 3)),  # per-geo weights
        ((1, 5, 30, 3), (200, 1, 6, 1)),  # weights shared over geos and channels
        ((1, 1, 30, 3), (200, 4, 6, 3)),  # one input for every geo, weights per geo
        ((1, 2, 4, 3), (50, 1, 6, 3)),  # more lags than dates
    ],
)
def test_one_input_for_all_draws_is_a_matrix_product(monkeypatch, x_shape, w_shape):
    """The matrix-product path (one input, weights per draw) equals the lag loop."""
    rng = np.random.default_rng(5)
    x, w = rng.random(x_shape), rng.random(w_shape)
    assert base._shared_input(x, w, 2)
    fast = base.convolve(x, w, axis=2)
    monkeypatch.setattr(base, "MATMUL_MAX", 0)  # the loop
    assert not base._shared_input(x, w, 2)
    loop = base.convolve(x, w, axis=2)
    assert fast.shape == loop.shape and fast.flags.c_contiguous
    np.testing.assert_allclose(fast, loop, rtol=1e-13, atol=1e-14)
