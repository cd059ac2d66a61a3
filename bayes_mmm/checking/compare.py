"""Model comparison with PSIS-LOO: pointwise log-likelihood in numpy, ranking by ArviZ."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import arviz_stats as azs
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.contributions import prediction
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.inference.diagnostics import SamplingWarning
from bayes_mmm.inference.fit import MMMFit, fit
from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.likelihood import logpdf
from bayes_mmm.model.spec import ModelSpec


def log_likelihood(result: MMMFit) -> xr.DataArray:
    """Pointwise log-likelihood ``(chain, draw, date)`` of the observed outcome."""
    mu = prediction(result)
    sigma = result.posterior[D.SIGMA] * result.scales.target
    y = xr.DataArray(result.data.target, dims=D.DATE, coords={D.DATE: mu[D.DATE]})
    nu = result.posterior[D.NU].values[..., None] if D.NU in result.posterior else None
    values = logpdf(result.spec, y.values, mu.values, sigma.values[..., None], nu)
    return xr.DataArray(values, dims=mu.dims, coords=mu.coords, name=D.OBS)


def with_log_likelihood(result: MMMFit) -> xr.DataTree:
    """The fit's DataTree plus a ``log_likelihood`` group (what ``az.loo`` reads)."""
    tree = result.idata.copy()
    tree["log_likelihood"] = xr.DataTree(log_likelihood(result).to_dataset())
    return tree


def loo(result: MMMFit):
    """PSIS-LOO of one fit (ArviZ ELPD object)."""
    return azs.loo(with_log_likelihood(result))


def compare(fits: Mapping[str, MMMFit]) -> pd.DataFrame:
    """Rank fitted variants of a model on the same data by expected log predictive density."""
    trees = {name: with_log_likelihood(f) for name, f in fits.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = azs.compare(trees)
    table.index.name = "model"
    return table


def default_variants(spec: ModelSpec | None = None) -> dict[str, ModelSpec]:
    """Variants worth comparing: every other registered saturation (e.g. S-shaped Hill vs
    concave Michaelis-Menten and logistic) and adstock (e.g. delayed, none), adstock length,
    no trend, Student-t noise, the other baseline (smooth time-varying or linear). Priors
    that do not apply to a variant's components are dropped."""
    base = spec or ModelSpec()
    out = {"default": base}
    for name in components.SATURATIONS:
        if name != base.saturation:
            out[name] = base.with_components(saturation=name)
    for name in components.ADSTOCKS:
        if name != base.adstock:
            out["no_adstock" if name == "none" else f"{name}_adstock"] = base.with_components(
                adstock=name
            )
    short = max(2, base.l_max // 2)
    out.update(
        {
            f"l_max={short}": base.replace(l_max=short),
            f"l_max={base.l_max + 4}": base.replace(l_max=base.l_max + 4),
            "no_trend": base.replace(trend=False),
            "student_t": base.replace(likelihood="studentt"),
        }
    )
    if base.baseline == "linear":
        out["smooth_baseline"] = base.replace(baseline="smooth")
    else:
        out["linear_baseline"] = base.replace(baseline="linear", priors=_without_smooth(base))
    return out


def _without_smooth(spec: ModelSpec) -> dict:
    return {k: v for k, v in spec.priors.items() if not k.startswith("smooth_")}


def compare_variants(
    data: MMMData,
    variants: Mapping[str, ModelSpec] | None = None,
    **fit_kwargs,
) -> tuple[pd.DataFrame, dict[str, MMMFit]]:
    """Fit each variant on ``data`` and return the LOO ranking and the fits.

    The table has one row per variant (best first): ``elpd``, its standard error, the
    difference to the best and its standard error, the LOO weight, and the sampler health.
    """
    variants = dict(variants or default_variants())
    fits = {}
    for name, spec in variants.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplingWarning)
            fits[name] = fit(data, spec, **fit_kwargs)
    table = compare(fits)
    table["divergences"] = [fits[m].diagnostics.divergences for m in table.index]
    table["max_r_hat"] = [fits[m].diagnostics.max_r_hat for m in table.index]
    return table, fits
