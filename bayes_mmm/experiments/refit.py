"""Where importance reweighting fails: value a design by refitting with its simulated result.

A very precise test (or one far in the posterior's tail) leaves few posterior draws with any
weight: the Kish effective sample size collapses and the Pareto tail of the weights gets
heavy (PSIS ``k`` above 0.7: the reweighted estimates are unreliable). For such a design
:func:`refit_value` simulates ``n_outcomes`` results (stratified over the result's
predictive, a posterior draw's lift plus the design's noise: :mod:`.outcomes`), refits the
model with each result added to the data's lift tests, and re-optimises the budget on the
refit's draws. The refit is short NUTS by default (2 chains x 250 draws after 250 tuning
steps, nutpie, the compiled model reused: about 3 s a refit on the demo), or the package's
Laplace approximation (``refit="laplace"``: the mode of the posterior *with* the test, a
Gaussian around it and importance resampling; slower here, about 14 s a refit, for its
finite-difference Hessian and Python-level log densities).

Each refit's draws are fresh (independent of the original draws), so the no-test plan is not
favoured by the optimizer's own noise; still, the new plan is chosen on one half of the
refit's draws and scored against the no-test plan on the other half (and vice versa), as
the reweighted estimate is. The Monte Carlo error is that of a stratified mean over outcomes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bayes_mmm.budget.geo import allocator_for
from bayes_mmm.data.lift import LiftTests
from bayes_mmm.experiments.outcomes import mean_and_se, stratified_results
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.fit import fit as run_fit
from bayes_mmm.logs import log

REFIT_OUTCOMES = 4
REFIT_DRAWS = {"laplace": (4, 250), "nuts": (2, 250)}  # (chains, draws); chains: laplace's starts


def pareto_k(logw: np.ndarray) -> np.ndarray:
    """``(outcome,)`` Pareto ``k`` of the right tail of the importance ratios
    ``exp(logw)`` ``(outcome, S)`` (arviz_stats' ``pareto_khat``): above 0.7 the weighted
    estimates are unreliable. NaN where it cannot be computed (e.g. constant weights)."""
    ratios = np.exp(logw - logw.max(axis=-1, keepdims=True))
    try:
        from arviz_stats.base import array_stats
    except ImportError:  # pragma: no cover
        return np.full(logw.shape[0], np.nan)
    out = np.full(logw.shape[0], np.nan)
    for i, r in enumerate(ratios):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                out[i] = array_stats.pareto_khat(r, chain_axis=None, draw_axis=-1, tail="right")
        except (ValueError, ZeroDivisionError, FloatingPointError):
            pass  # constant or degenerate weights: no tail to fit
    return out


def with_test(fit: MMMFit, test: LiftTests, lift: float):
    """The fit's data with ``test`` (one row) measured as ``lift``, after its own tests."""
    frame = test.to_frame().assign(lift=lift)
    if fit.data.lift_tests is not None:
        frame = pd.concat([fit.data.lift_tests.to_frame(), frame], ignore_index=True)
    return fit.data.with_lift_tests(frame)


def refit_value(
    fit: MMMFit,
    decision,
    test: LiftTests,
    lift: np.ndarray,
    channel: int,
    *,
    n_outcomes: int = REFIT_OUTCOMES,
    refit: str = "nuts",
    seed: int = 0,
) -> dict:
    """EVSI of one design by refitting (see the module docstring): ``lift`` ``(S,)`` the
    design's lift per posterior draw, ``test`` the design as a one-row :class:`LiftTests`,
    ``channel`` its index (for the ROI interval widths after the test)."""
    if refit not in REFIT_DRAWS:
        raise ValueError(f"refit must be one of {sorted(REFIT_DRAWS)}, got {refit!r}")
    chains, draws = REFIT_DRAWS[refit]
    rng = np.random.default_rng(seed)
    sigma = float(test.sigma[0])
    results = stratified_results(lift, sigma, rng, n_outcomes)
    from bayes_mmm.experiments.value import national_roi

    gains, roi = [], []
    for k, y in enumerate(results):
        log.info(f"refit {k + 1}/{n_outcomes} ({refit}) with a simulated result {y:,.0f}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            after = run_fit(
                with_test(fit, test, float(y)),
                fit.spec,
                chains=chains,
                draws=draws,
                tune=draws,
                seed=seed + k,
                sampler="nutpie" if refit == "nuts" else refit,
                progress=False,
            )
        gains.append(_refit_gain(after, decision))
        roi.append(national_roi(after)[:, channel])
    evsi, se = mean_and_se(np.asarray(gains), stratified=True)
    return {"evsi": evsi, "evsi_mc_se": se, "roi": roi}


def _refit_gain(after: MMMFit, decision) -> float:
    """Cross-fitted gain of re-optimising on the refit's draws over the no-test plan."""
    from bayes_mmm.experiments.value import reoptimise

    full = allocator_for(after, **decision.settings)
    n = full.resp.n_draws
    halves = [np.arange(0, n, 2), np.arange(1, n, 2)]
    allocs = [allocator_for(after, **decision.settings, response=full.resp.subset(h))
              for h in halves]  # fmt: skip
    gains = []
    for h in (0, 1):
        new = reoptimise(allocs[h], decision.budget, decision.plan)
        gains.append(allocs[1 - h].value(new) - allocs[1 - h].value(decision.plan))
    return float(np.mean(gains))
