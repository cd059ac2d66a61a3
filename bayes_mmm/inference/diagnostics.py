"""Sampler health after a fit: r_hat, bulk ESS, divergences, leapfrog steps, time; with advice."""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from bayes_mmm._lazy import lazy_module

az = lazy_module("arviz_stats")  # imported when a fit is diagnosed (the warnings are read early)
xr = lazy_module("xarray")

MAX_R_HAT = 1.01
MIN_ESS = 400
MAX_STEPS = 255  # tree depth 8: the posterior geometry is poor beyond this


class SamplingWarning(UserWarning):
    """The sampler reported problems; the warning text says what to try."""


class CompileWarning(UserWarning):
    """The fast compile path (``inference._compile``) was not used; the text says why."""


@dataclass(frozen=True)
class Diagnostics:
    max_r_hat: float
    min_ess_bulk: float
    divergences: int
    steps_per_draw: float
    sampling_seconds: float
    compile_seconds: float = 0.0
    chains: int = 0
    draws: int = 0
    sampler: str = "nutpie"
    approximate: bool = False  # Laplace/ADVI draws, not MCMC: for iterating, not reporting
    compile_path: str = ""  # nutpie: "fast" (bayes_mmm's cached path) or "nutpie" (fallback)
    compile_fallback: str = ""  # why the fast path was not used (empty when it was)
    compile_cache: str = ""  # "process" (reused in this process) | "hit" | "miss" | "off"
    target_accept: float = 0.0  # NUTS target acceptance used (0: not recorded)
    start: str = ""  # "earlier fit": chains started at an earlier fit's draws (init=); "": as usual

    def next_target_accept(self) -> float:
        """The target acceptance to suggest after divergences: above the one used."""
        return 0.98 if self.target_accept >= 0.95 else 0.95

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Diagnostics:
        return cls(**json.loads(text))

    def problems(self) -> list[str]:
        """Plain-language problems with advice; empty when all is well."""
        out = []
        if self.approximate:
            out.append(
                f"APPROXIMATE posterior ({self.sampler}): not MCMC, intervals may be too narrow "
                "or too wide; use it to iterate, and refit with sampler='nutpie' before reporting"
            )
        if self.divergences:
            out.append(
                f"{self.divergences} divergent transitions: the posterior has regions the "
                f"sampler cannot follow; raise target_accept (e.g. {self.next_target_accept()}), "
                "and check "
                "learning_flags for a prior the data contradict (widen it) or one too vague"
            )
        if self.chains > 1 and not self.max_r_hat <= MAX_R_HAT:
            out.append(
                f"max r_hat {self.max_r_hat:.3f} > {MAX_R_HAT}: chains disagree; run longer "
                "(more tune and draws) and look at the trace plots for multiple modes"
            )
        if not self.min_ess_bulk >= MIN_ESS:
            out.append(
                f"min bulk ESS {self.min_ess_bulk:.0f} < {MIN_ESS}: intervals are imprecise; "
                "run more draws"
            )
        if self.steps_per_draw > MAX_STEPS:
            out.append(
                f"{self.steps_per_draw:.0f} leapfrog steps per draw: a hard posterior; "
                "consider more informative priors on decay and saturation"
            )
        return out

    def __str__(self) -> str:
        if self.approximate:
            return (
                f"APPROXIMATE ({self.sampler}) | {self.draws} independent draws | "
                f"effective draws {self.min_ess_bulk:.0f} | "
                f"{self.sampling_seconds:.1f} s (+{self.compile_seconds:.1f} s compile)"
            )
        return (
            f"max r_hat {self.max_r_hat:.3f} | min bulk ESS {self.min_ess_bulk:.0f} | "
            f"divergences {self.divergences} | {self.steps_per_draw:.1f} steps/draw | "
            f"sampling {self.sampling_seconds:.1f} s (+{self.compile_seconds:.1f} s compile)"
        )


def _extreme(ds: xr.Dataset, how) -> float:
    vals = [np.asarray(v.values, dtype=float).ravel() for v in ds.data_vars.values()]
    vals = np.concatenate(vals) if vals else np.array([np.nan])
    return float(how(vals)) if np.isfinite(vals).all() else float("nan")


def diagnose(
    posterior: xr.Dataset,
    sample_stats: xr.Dataset,
    *,
    sampling_seconds: float,
    compile_seconds: float = 0.0,
    sampler: str = "nutpie",
    warn: bool = True,
    compile_path: str = "",
    compile_fallback: str = "",
) -> Diagnostics:
    """Summarise convergence of the sampled parameters; warn with advice when it is poor."""
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    # a variable fixed by the model (e.g. the slope of Michaelis-Menten saturation) carries no
    # convergence information, and its r_hat is 0/0
    varying = [n for n, v in posterior.data_vars.items() if np.ptp(v.values) > 0]
    posterior = posterior[varying]
    if n_chain > 1:
        max_rhat = _extreme(az.rhat(posterior), np.max)
    else:
        max_rhat = float("nan")
    ess = _extreme(az.ess(posterior, method="bulk"), np.min)
    steps = sample_stats.get("n_steps")
    if steps is None and "tree_depth" in sample_stats:
        steps = 2 ** sample_stats["tree_depth"] - 1
    d = Diagnostics(
        max_r_hat=max_rhat,
        min_ess_bulk=ess,
        divergences=int(sample_stats["diverging"].values.sum()),
        steps_per_draw=float(np.mean(steps.values)) if steps is not None else float("nan"),
        sampling_seconds=float(sampling_seconds),
        compile_seconds=float(compile_seconds),
        chains=int(n_chain),
        draws=int(n_draw),
        sampler=sampler,
        compile_path=compile_path,
        compile_fallback=compile_fallback,
    )
    if warn:
        warn_problems(d, stacklevel=4)
    return d


def warn_problems(d: Diagnostics, stacklevel: int = 3) -> None:
    """One ``SamplingWarning`` per problem of ``d``."""
    for problem in d.problems():
        warnings.warn(problem, SamplingWarning, stacklevel=stacklevel)
