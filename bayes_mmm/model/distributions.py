"""The continuous PyMC distributions a ``Prior`` may name, and their parameters, without
importing PyMC (so a spec or ``--prior`` is checked in milliseconds).

``tests/test_import_light.py`` compares this table with PyMC's own distributions (every
``pm.Continuous`` subclass and the named parameters of its ``dist``), so it cannot drift: a
PyMC release that adds, removes or renames one fails that test until the table is updated.
"""

from __future__ import annotations

CONTINUOUS: dict[str, tuple[str, ...]] = {
    "AsymmetricLaplace": ("kappa", "mu", "b", "q"),
    "Beta": ("alpha", "beta", "mu", "sigma", "nu"),
    "CAR": ("mu", "W", "alpha", "tau"),
    "Cauchy": ("alpha", "beta"),
    "Dirichlet": ("a",),
    "ExGaussian": ("mu", "sigma", "nu"),
    "Exponential": ("lam", "scale"),
    "Flat": (),
    "Gamma": ("alpha", "beta", "mu", "sigma"),
    "Gumbel": ("mu", "beta"),
    "HalfCauchy": ("beta",),
    "HalfFlat": (),
    "HalfNormal": ("sigma", "tau"),
    "HalfStudentT": ("nu", "sigma", "lam"),
    "ICAR": ("W", "sigma", "zero_sum_stdev"),
    "Interpolated": ("x_points", "pdf_points"),
    "InverseGamma": ("alpha", "beta", "mu", "sigma"),
    "KroneckerNormal": ("mu", "covs", "chols", "evds", "sigma"),
    "Kumaraswamy": ("a", "b"),
    "LKJCorr": ("n", "eta"),
    "Laplace": ("mu", "b"),
    "LogNormal": ("mu", "sigma", "tau"),
    "Logistic": ("mu", "s"),
    "Lognormal": ("mu", "sigma", "tau"),
    "MatrixNormal": ("mu", "rowcov", "rowchol", "colcov", "colchol"),
    "Moyal": ("mu", "sigma"),
    "MvNormal": ("mu", "cov", "tau", "chol", "lower"),
    "MvStudentT": ("nu", "Sigma", "mu", "scale", "tau", "chol", "lower"),
    "Normal": ("mu", "sigma", "tau"),
    "Pareto": ("alpha", "m"),
    "PolyaGamma": ("h", "z"),
    "Rice": ("nu", "sigma", "b"),
    "SkewNormal": ("alpha", "mu", "sigma", "tau"),
    "SkewStudentT": ("a", "b", "mu", "sigma", "lam"),
    "StickBreakingWeights": ("alpha", "K"),
    "StudentT": ("nu", "mu", "sigma", "lam"),
    "Triangular": ("lower", "upper", "c"),
    "TruncatedNormal": ("mu", "sigma", "tau", "lower", "upper"),
    "Uniform": ("lower", "upper"),
    "VonMises": ("mu", "kappa"),
    "Wald": ("mu", "lam", "phi", "alpha"),
    "Weibull": ("alpha", "beta"),
    "Wishart": ("nu", "V", "scale_chol"),
}


def pymc_continuous() -> dict[str, tuple[str, ...]]:
    """The same table read from PyMC itself (imports PyMC: for the drift test)."""
    import inspect

    import pymc as pm

    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    out = {}
    for name in dir(pm):
        cls = getattr(pm, name)
        if isinstance(cls, type) and issubclass(cls, pm.Continuous) and cls is not pm.Continuous:
            params = inspect.signature(cls.dist).parameters.items()
            out[name] = tuple(n for n, p in params if p.kind in kinds and n != "cls")
    return out
