"""Prior: a PyMC distribution named by string with its parameters, JSON-serialisable.

``pymc_extras.prior.Prior`` was the first choice, but its current release pins ``pymc<6.4``;
this is the small subset we need (flat priors, per-channel parameter arrays, dict round trip).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.model.distributions import CONTINUOUS
from bayes_mmm.model.prior_numpy import draw_numpy

pm = lazy_module("pymc")  # imported when a prior is drawn or added to a model, not to check one


def _plain(v: Any) -> Any:
    """Numbers and nested lists only (what JSON can hold)."""
    if isinstance(v, np.ndarray) and v.ndim == 0:  # a 0-d array is a number
        return _plain(v.item())
    if isinstance(v, np.ndarray | list | tuple):
        return [_plain(x) for x in np.asarray(v).tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"prior parameters must be numbers or lists of numbers, got {v!r}")
    return v


# parameters that must be positive whatever the family (scales, shapes, rates, dof)
POSITIVE_PARAMS = frozenset({"sigma", "tau", "lam", "alpha", "beta", "nu", "a", "b", "kappa"})


def _check_values(dist: str, params: dict[str, Any]) -> None:
    """Raise ValueError for parameter values no distribution accepts: not finite, a scale or
    shape that is not positive, or ``lower >= upper``. (The sampler would otherwise fail at
    its first step with an obscure message.)"""
    values = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    for k, v in values.items():
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{dist}: parameter {k}={params[k]!r} must be finite")
        if k in POSITIVE_PARAMS and not np.all(v > 0):
            raise ValueError(f"{dist}: parameter {k}={params[k]!r} must be positive")
    if "lower" in values and "upper" in values and not np.all(values["lower"] < values["upper"]):
        raise ValueError(
            f"{dist}: lower={params['lower']!r} must be below upper={params['upper']!r}"
        )


class Prior:
    """A prior distribution, e.g. ``Prior("Beta", alpha=2, beta=2)``.

    ``dist`` is the name of a continuous PyMC distribution; parameters are numbers or, for
    per-channel parameters, lists with one value per channel.
    """

    __slots__ = ("dist", "params")

    def __init__(self, dist: str, **params: Any):
        if not isinstance(dist, str) or dist not in CONTINUOUS:
            raise ValueError(f"'{dist}' is not a continuous PyMC distribution (e.g. 'LogNormal')")
        known = list(CONTINUOUS[dist])
        unknown = sorted(set(params) - set(known))
        if unknown:  # PyMC's ``dist`` swallows unknown keywords: a typo would be ignored
            raise ValueError(f"{dist} has no parameter(s) {unknown}; its parameters are {known}")
        plain = {k: _plain(v) for k, v in params.items()}
        _check_values(dist, plain)
        object.__setattr__(self, "dist", dist)
        object.__setattr__(self, "params", plain)

    def __setattr__(self, *_):
        raise AttributeError("Prior is immutable; use .replace(...)")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f'Prior("{self.dist}", {args})'

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prior) and (self.dist, self.params) == (other.dist, other.params)

    def __hash__(self) -> int:
        return hash(repr(self))

    def replace(self, **params: Any) -> Prior:
        return Prior(self.dist, **{**self.params, **params})

    def to_dict(self) -> dict:
        return {"dist": self.dist, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, d: Mapping) -> Prior:
        return cls(d["dist"], **d.get("params", {}))

    @classmethod
    def parse(cls, text: str) -> Prior:
        """Parse ``'LogNormal(mu=0, sigma=1)'`` (as written on the command line)."""
        try:
            node = ast.parse(text.strip(), mode="eval").body
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.args:
                raise ValueError
            params = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
        except (SyntaxError, ValueError) as err:
            raise ValueError(
                f"cannot read prior {text!r}: write it as Dist(param=value, ...), "
                "e.g. LogNormal(mu=0, sigma=1)"
            ) from err
        try:
            return cls(node.func.id, **params)
        except TypeError as err:
            raise ValueError(f"cannot read prior {text!r}: {err}") from err

    def _kwargs(self) -> dict[str, Any]:
        return {k: np.asarray(v, dtype=float) for k, v in self.params.items()}

    def create(self, name: str, dims: str | Sequence[str] | None = None):
        """Add this prior as a random variable to the PyMC model in context."""
        return getattr(pm, self.dist)(name, **self._kwargs(), dims=dims)

    def sample(self, shape: tuple[int, ...], seed: int | None = 0) -> np.ndarray:
        """Draw prior samples (numpy), ``shape`` = sample shape + parameter shape (numpy's
        generators for the common families, PyMC's for the others)."""
        values = draw_numpy(self.dist, self.params, shape, np.random.default_rng(seed))
        if values is not None:
            return values
        rv = getattr(pm, self.dist).dist(**self._kwargs(), size=shape)
        return np.asarray(pm.draw(rv, random_seed=seed), dtype=float)

    def n_values(self) -> int:
        """Length of the longest per-item parameter (1 for scalar parameters)."""
        sizes = [np.size(v) for v in self.params.values()]
        return max(sizes, default=1)


POSITIVE = frozenset(
    {
        "LogNormal",
        "HalfNormal",
        "HalfCauchy",
        "HalfStudentT",
        "Gamma",
        "InverseGamma",
        "Exponential",
        "Weibull",
        "ChiSquared",
        "HalfFlat",
    }
)
UNIT = frozenset({"Beta", "Kumaraswamy", "LogitNormal"})
# support the whole real line whatever the parameters (checked without drawing, so without PyMC)
REAL = frozenset(
    {
        "Normal",
        "StudentT",
        "Cauchy",
        "Laplace",
        "Logistic",
        "Gumbel",
        "SkewNormal",
        "SkewStudentT",
        "AsymmetricLaplace",
        "Moyal",
        "ExGaussian",
        "Flat",
    }
)


def _known_support(prior: Prior) -> tuple[float, float] | None:
    """Support of common families without sampling (None when it must be checked by draws)."""
    if prior.dist in POSITIVE:
        return 0.0, np.inf
    if prior.dist in UNIT:
        return 0.0, 1.0
    if prior.dist in REAL:
        return -np.inf, np.inf
    if prior.dist in ("TruncatedNormal", "Uniform"):
        lo = np.min(prior.params.get("lower", -np.inf))
        hi = np.max(prior.params.get("upper", np.inf))
        return float(lo), float(hi)
    return None


def check_support(prior: Prior, name: str, lower: float | None, upper: float | None) -> None:
    """Raise a clear error when a prior puts mass outside a parameter's support."""
    known = _known_support(prior)
    if known is not None:
        lo, hi = known
        low_bad = lower is not None and lo < lower
        high_bad = upper is not None and hi > upper
        finite = True
    else:
        draws = prior.sample((2000, prior.n_values()), seed=1)
        low_bad = lower is not None and np.nanmin(draws) <= lower
        high_bad = upper is not None and np.nanmax(draws) >= upper
        finite = bool(np.isfinite(draws).all())
    if low_bad or high_bad or not finite:
        span = f"({'-inf' if lower is None else lower}, {'inf' if upper is None else upper})"
        raise ValueError(f"prior {prior!r} for '{name}' gives values outside {span}")


def draw_many(items: dict[str, tuple[Prior, tuple[int, ...]]], seed: int | None = 0) -> dict:
    """Prior draws for several priors at once: numpy's generators when every family has
    one (:mod:`.prior_numpy`), else one compiled PyMC sampler for all."""
    rng = np.random.default_rng(seed)
    out = {k: draw_numpy(p.dist, p.params, shape, rng) for k, (p, shape) in items.items()}
    if all(v is not None for v in out.values()):
        return out
    rvs = [getattr(pm, p.dist).dist(**p._kwargs(), size=shape) for p, shape in items.values()]
    values = pm.draw(rvs, random_seed=seed)
    values = values if isinstance(values, list) else [values]
    return {k: np.asarray(v, dtype=float) for k, v in zip(items, values, strict=True)}


def stack_channel_priors(
    base: Prior, overrides: Mapping[str, Prior], channels: Sequence[str], name: str
) -> Prior:
    """One prior with per-channel parameter arrays from a global prior and per-channel ones."""
    if not overrides:
        return base
    for ch, p in overrides.items():
        if p.dist != base.dist:
            raise ValueError(
                f"per-channel prior for '{name}' of channel '{ch}' uses {p.dist}, but the prior "
                f"for the other channels is {base.dist}: set the global '{name}' prior to "
                f"{p.dist} as well so all channels share one family"
            )
    keys = list(base.params)
    params = {}
    for k in keys:
        col = []
        for i, ch in enumerate(channels):
            src = overrides.get(ch, base)
            v = np.asarray(src.params.get(k, base.params[k]), dtype=float)
            col.append(float(v) if v.ndim == 0 else float(v[i]))
        params[k] = col
    return Prior(base.dist, **params)
