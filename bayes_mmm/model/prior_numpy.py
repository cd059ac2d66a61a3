"""Prior draws in numpy for the common families, without compiling a PyMC sampler.

``pm.draw`` builds and compiles a pytensor function for every call (~0.5-1 s), which was the
largest single cost of writing a fit's outputs (the prior-vs-posterior table draws every
parameter's prior). The families below cover the package's defaults and the usual user
priors; each is parametrised exactly as PyMC parametrises it (``tests/test_prior_numpy.py``
compares the draws with ``pm.draw``'s). Any other family or parametrisation returns ``None``
and the caller falls back to PyMC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

Params = Mapping[str, np.ndarray]
Sampler = Callable[[np.random.Generator, Params, tuple[int, ...]], np.ndarray]


def _sd(p: Params, scale: str = "sigma", precision: str = "tau") -> np.ndarray:
    """A scale given directly or as a precision (PyMC's ``sigma`` / ``tau``)."""
    return p[scale] if scale in p else 1.0 / np.sqrt(p[precision])


def _normal(rng, p, shape):
    return rng.normal(p.get("mu", 0.0), _sd(p), size=shape)


def _half_normal(rng, p, shape):
    return np.abs(rng.normal(0.0, _sd(p), size=shape))


def _log_normal(rng, p, shape):
    return np.exp(rng.normal(p.get("mu", 0.0), _sd(p), size=shape))


def _beta(rng, p, shape):
    if "alpha" in p:
        a, b = p["alpha"], p["beta"]
    else:
        mu = p["mu"]
        kappa = p["nu"] if "nu" in p else mu * (1 - mu) / p["sigma"] ** 2 - 1
        a, b = mu * kappa, (1 - mu) * kappa
    return rng.beta(a, b, size=shape)


def _gamma(rng, p, shape):
    if "alpha" in p:
        alpha, rate = p["alpha"], p["beta"]
    else:
        alpha, rate = p["mu"] ** 2 / p["sigma"] ** 2, p["mu"] / p["sigma"] ** 2
    return rng.gamma(alpha, 1.0 / rate, size=shape)


def _exponential(rng, p, shape):
    scale = p["scale"] if "scale" in p else 1.0 / p["lam"]
    return rng.exponential(scale, size=shape)


def _student_t(rng, p, shape):
    return p.get("mu", 0.0) + _sd(p, precision="lam") * rng.standard_t(p["nu"], size=shape)


def _half_student_t(rng, p, shape):
    return np.abs(_sd(p, precision="lam") * rng.standard_t(p["nu"], size=shape))


def _half_cauchy(rng, p, shape):
    return np.abs(p["beta"] * rng.standard_cauchy(size=shape))


def _uniform(rng, p, shape):
    return rng.uniform(p["lower"], p["upper"], size=shape)


# family -> (the parameter sets it accepts here, sampler)
SAMPLERS: dict[str, tuple[tuple[frozenset[str], ...], Sampler]] = {
    "Normal": ((frozenset({"mu", "sigma"}), frozenset({"mu", "tau"})), _normal),
    "HalfNormal": ((frozenset({"sigma"}), frozenset({"tau"})), _half_normal),
    "LogNormal": ((frozenset({"mu", "sigma"}), frozenset({"mu", "tau"})), _log_normal),
    "Beta": (
        (frozenset({"alpha", "beta"}), frozenset({"mu", "sigma"}), frozenset({"mu", "nu"})),
        _beta,
    ),
    "Gamma": ((frozenset({"alpha", "beta"}), frozenset({"mu", "sigma"})), _gamma),
    "Exponential": ((frozenset({"lam"}), frozenset({"scale"})), _exponential),
    "StudentT": (
        (
            frozenset({"nu", "mu", "sigma"}),
            frozenset({"nu", "sigma"}),
            frozenset({"nu", "mu", "lam"}),
        ),
        _student_t,
    ),
    "HalfStudentT": ((frozenset({"nu", "sigma"}), frozenset({"nu", "lam"})), _half_student_t),
    "HalfCauchy": ((frozenset({"beta"}),), _half_cauchy),
    "Uniform": ((frozenset({"lower", "upper"}),), _uniform),
}
SAMPLERS["Lognormal"] = SAMPLERS["LogNormal"]


def numpy_sampler(dist: str, params: Mapping[str, object]) -> Sampler | None:
    """The numpy sampler of ``dist`` with these parameter names, or ``None``."""
    accepted, sampler = SAMPLERS.get(dist, ((), None))
    return sampler if frozenset(params) in accepted else None


def draw_numpy(
    dist: str, params: Mapping[str, object], shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray | None:
    """``shape`` draws (parameters broadcast against its trailing axes), or ``None`` when
    ``dist`` with these parameters has no numpy sampler here."""
    sampler = numpy_sampler(dist, params)
    if sampler is None:
        return None
    values = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    return np.asarray(sampler(rng, values, tuple(shape)), dtype=float)
