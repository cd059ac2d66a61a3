"""Model components: the numpy and pytensor passes of every registered adstock and saturation
agree (twins), derivatives match finite differences, and each has the properties it promises."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import convolve, expand
from bayes_mmm.model.components.saturation.hill import hill_logit_pt
from bayes_mmm.model.design import lag_stack

L_MAX = 6
DATE_AXIS = D.FORWARD_LAYOUT.index(D.DATE)
SATURATIONS = sorted(components.SATURATIONS)
ADSTOCKS = sorted(components.ADSTOCKS)


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


def random_params(component, rng, n_channels=3, n_draws=None) -> dict[str, np.ndarray]:
    """Parameters inside each one's simulation range (or a broad default)."""
    size = (n_channels,) if n_draws is None else (n_draws, n_channels)
    out = {}
    for p in component.params:
        lo, hi = p.sim_range or (0.1, 0.9)
        out[p.name] = rng.uniform(lo, hi, size=size)
    return out


def pt_eval(fn, *arrays):
    """Evaluate a pytensor expression built by ``fn`` from float64 inputs."""
    inputs = [pt.tensor(dtype="float64", shape=(None,) * np.ndim(a)) for a in arrays]
    return pytensor.function(inputs, fn(*inputs))(*arrays)


def saturation_pt(component, x, params):
    names = list(params)
    return pt_eval(
        lambda xx, *ps: component.forward_pt(xx, dict(zip(names, ps, strict=True))),
        x,
        *params.values(),
    )


def per_channel(params):
    return {k: expand(v, (D.CHANNEL,)) for k, v in params.items()}


# ---- twins -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SATURATIONS)
def test_saturation_twins_equal_including_zero_spend(name, rng):
    sat = components.saturation(name)
    x = random_spend(rng)
    assert (x == 0).any()
    params = random_params(sat, rng)
    if "slope" in params:
        params["slope"] = np.array([0.1, 0.9, 3.0])  # a small slope must not lift the curve at 0
    expected = sat.forward(x, params)
    got = saturation_pt(sat, x, params)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    assert np.all((expected >= 0) & (expected < 1))
    assert np.all(expected[x == 0] == 0.0)


@pytest.mark.parametrize("name", ADSTOCKS)
def test_adstock_twins_equal(name, rng):
    ads = components.adstock(name)
    n_lags = ads.n_lags(L_MAX)
    x = random_spend(rng)
    params = random_params(ads, rng)
    expected = ads.forward(expand(x, (D.DATE, D.CHANNEL)), per_channel(params), n_lags, DATE_AXIS)
    names = list(params)
    got = pt_eval(
        lambda xl, *ps: ads.forward_pt(xl, dict(zip(names, ps, strict=True)), n_lags),
        lag_stack(x, n_lags),
        *params.values(),
    )
    assert got.shape == x.shape
    np.testing.assert_allclose(got, expected[0, 0], rtol=1e-12, atol=1e-14)
    if ads.params:
        w_np = ads.weights(per_channel(params), n_lags, DATE_AXIS)[0, 0]
        w_pt = pt_eval(
            lambda *ps: ads.weights_pt(dict(zip(names, ps, strict=True)), n_lags),
            *params.values(),
        )
        np.testing.assert_allclose(w_pt, w_np, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ADSTOCKS)
def test_adstock_batches_over_draws(name, rng):
    ads = components.adstock(name)
    n_lags = ads.n_lags(L_MAX)
    x = expand(random_spend(rng), (D.DATE, D.CHANNEL))
    params = random_params(ads, rng, n_draws=5)
    batch = ads.forward(
        x, {k: expand(v, (D.SAMPLE, D.CHANNEL)) for k, v in params.items()}, n_lags, DATE_AXIS
    )
    for s in range(5):
        one = ads.forward(x, per_channel({k: v[s] for k, v in params.items()}), n_lags, DATE_AXIS)
        np.testing.assert_allclose(np.broadcast_to(batch, (5, *batch.shape[1:]))[s], one[0])


@pytest.mark.parametrize("name", SATURATIONS)
def test_saturation_batches_over_draws(name, rng):
    sat = components.saturation(name)
    x = random_spend(rng)
    params = random_params(sat, rng, n_draws=4)
    batch = sat.forward(x[None], {k: v[:, None, :] for k, v in params.items()})
    assert batch.shape == (4, *x.shape)
    np.testing.assert_allclose(batch[2], sat.forward(x, {k: v[2] for k, v in params.items()}))


# ---- derivatives -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SATURATIONS)
def test_saturation_derivative_matches_central_differences(name, rng):
    sat = components.saturation(name)
    x = rng.uniform(0.05, 5.0, size=(50, 3))
    params = random_params(sat, rng)
    eps = 1e-6
    numeric = (sat.forward(x + eps, params) - sat.forward(x - eps, params)) / (2 * eps)
    np.testing.assert_allclose(sat.derivative(x, params), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", SATURATIONS)
def test_saturation_gradients_are_finite_at_zero_spend(name):
    """The sampler differentiates through zero spend: gradients stay finite there."""
    sat = components.saturation(name)
    x = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 2.0], [0.0, 3.0]])
    rng = np.random.default_rng(1)
    params = random_params(sat, rng, n_channels=2)
    names = list(params)
    ins = [pt.vector(n, dtype="float64") for n in names]
    xv = pt.matrix("x", dtype="float64")
    out = sat.forward_pt(xv, dict(zip(names, ins, strict=True))).sum()
    grads = pytensor.function([xv, *ins], pt.grad(out, [xv, *ins]))(x, *params.values())
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_hill_logit_gradient_matches_finite_differences_at_zero_spend():
    """The model's form of Hill: the curve given by u = -slope * log(k), its logit at x = 1."""
    hill = components.saturation("hill")
    x = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 2.0], [0.0, 3.0]])
    u = pt.vector("u", dtype="float64")
    s = pt.vector("s", dtype="float64")
    grads = pytensor.function([u, s], pt.grad(hill_logit_pt(pt.as_tensor(x), u, s).sum(), [u, s]))
    u_val, s_val, eps = np.array([0.3, -1.2]), np.array([0.4, 2.5]), 1e-6
    g_u, g_s = grads(u_val, s_val)

    def total(u_):
        return hill.forward(x, {"half_saturation": np.exp(-u_ / s_val), "slope": s_val}).sum()

    for c in range(2):
        du = np.zeros(2)
        du[c] = eps
        assert g_u[c] == pytest.approx(
            (total(u_val + du) - total(u_val - du)) / (2 * eps), rel=1e-6
        )
    assert np.all(np.isfinite(g_s))


# ---- properties --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ADSTOCKS)
def test_adstock_weights_are_normalised(name, rng):
    ads = components.adstock(name)
    n_lags = ads.n_lags(L_MAX)
    params = {k: expand(v, (D.SAMPLE, D.CHANNEL)) for k, v in random_params(ads, rng, 4, 7).items()}
    w = ads.weights(params, n_lags, DATE_AXIS)
    np.testing.assert_allclose(w.sum(axis=DATE_AXIS), 1.0, rtol=1e-12)
    assert np.all(w >= 0)


def test_lag_stack_shifts_with_leading_zeros(rng):
    x = random_spend(rng, n_dates=10, n_channels=2)
    stack = lag_stack(x, 4)
    assert stack.shape == (4, 10, 2)
    for lag in range(4):
        np.testing.assert_array_equal(stack[lag, lag:], x[: 10 - lag])
        np.testing.assert_array_equal(stack[lag, :lag], 0.0)


@pytest.mark.parametrize("decay", [0.0, 0.3, 0.8])
def test_geometric_impulse_response_is_normalised_decay_powers(decay):
    ads = components.adstock("geometric")
    n = 15
    x = np.zeros((n, 1))
    x[2, 0] = 1.0  # one unit of spend in week 2
    out = ads.forward(
        expand(x, (D.DATE, D.CHANNEL)), per_channel({"decay": np.array([decay])}), L_MAX, DATE_AXIS
    )[0, 0, :, 0]
    powers = decay ** np.arange(L_MAX)
    expected = np.zeros(n)
    expected[2 : 2 + L_MAX] = powers / powers.sum()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    assert out.sum() == pytest.approx(1.0)  # normalised weights keep the spend's total


def test_delayed_weights_peak_at_the_peak_lag():
    """``decay**((l - peak)**2)`` normalised: the largest weight at the lag nearest ``peak``."""
    ads = components.adstock("delayed")
    decay, peak = np.array([0.5, 0.7, 0.9]), np.array([0.0, 2.0, 3.4])
    w = ads.weights(per_channel({"decay": decay, "peak": peak}), L_MAX, DATE_AXIS)[0, 0]
    lags = np.arange(L_MAX)[:, None]
    expected = decay ** ((lags - peak) ** 2)
    np.testing.assert_allclose(w, expected / expected.sum(axis=0), rtol=1e-12)
    assert list(np.argmax(w, axis=0)) == [0, 2, 3]
    far = ads.weights(
        per_channel({"decay": np.array([0.01]), "peak": np.array([30.0])}), L_MAX, DATE_AXIS
    )
    assert np.all(np.isfinite(far)) and far.sum() == pytest.approx(1.0)  # no underflow


def test_convolve_matches_a_direct_sum(rng):
    x = random_spend(rng, n_dates=12, n_channels=2)
    w = rng.uniform(size=(4, 2))
    got = convolve(x, w, axis=0)
    expected = np.zeros_like(x)
    for t in range(12):
        for lag in range(4):
            if t - lag >= 0:
                expected[t] += w[lag] * x[t - lag]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_hill_matches_textbook_formula_and_half_saturation(rng):
    hill = components.saturation("hill")
    x = rng.uniform(0.01, 5.0, size=(30, 2))
    k, s = np.array([0.7, 1.9]), np.array([1.0, 2.5])
    p = {"half_saturation": k, "slope": s}
    np.testing.assert_allclose(hill.forward(x, p), x**s / (x**s + k**s), rtol=1e-12)
    np.testing.assert_allclose(hill.forward(np.tile(k, (2, 1)), p), 0.5, rtol=1e-12)


def test_michaelis_menten_is_hill_with_slope_one(rng):
    x = rng.uniform(0.0, 5.0, size=(30, 2))
    k = np.array([0.7, 1.9])
    mm = components.saturation("michaelis_menten").forward(x, {"half_saturation": k})
    hill = components.saturation("hill").forward(x, {"half_saturation": k, "slope": np.ones(2)})
    np.testing.assert_allclose(mm, hill, rtol=1e-12)


def test_logistic_matches_its_formula_and_half_point(rng):
    logistic = components.saturation("logistic")
    x = rng.uniform(0.0, 5.0, size=(30, 2))
    lam = np.array([0.5, 2.0])
    p = {"lam": lam}
    expected = (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))
    np.testing.assert_allclose(logistic.forward(x, p), expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(logistic.forward(np.log(3.0) / lam[None, :], p), 0.5, rtol=1e-12)


@pytest.mark.parametrize("name", SATURATIONS)
def test_saturation_is_increasing_in_spend(name, rng):
    sat = components.saturation(name)
    x = np.linspace(0.0, 10.0, 200)[:, None] * np.ones((1, 2))
    h = sat.forward(x, random_params(sat, rng, n_channels=2))
    assert np.all(np.diff(h, axis=0) > 0)
    assert np.all(h[-1] < 1)


def test_every_component_documents_its_parameters():
    """Each parameter has a default prior inside its support, a unit and a simulation range."""
    from bayes_mmm.model.priors import check_support

    for comp in [*components.ADSTOCKS.values(), *components.SATURATIONS.values()]:
        for p in comp.params:
            check_support(p.prior, p.name, *p.support)
            assert p.unit and p.sim_range, (comp.name, p.name)
