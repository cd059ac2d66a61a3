"""Checking EVSI where the model is exactly right: truths held out from the posterior.

A fit's chains are split: one values the designs (:func:`.value.design_tests`), the other
supplies truths. For each truth draw, a design's result is simulated from it (its lift plus
``sigma x z``, one ``z`` per truth shared by the designs), the valuing draws are weighted
by the result, the budget is re-optimised (as ``design_tests`` does, without its
cross-fitting; on the same tabulated response) and the new plan is scored against the old
one on that truth's own curves (the forward model's, not tabulated).
Averaged over truths this realised gain is what EVSI predicts: each design's EVSI should
match it within Monte Carlo error, and the top-EVSI design should gain the most (geo fits
too: their designs' lifts are summed over the tested geos, the decision is the national
channel split)
(``benchmarks/evsi_self.py``, ``tests/test_value.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import time

import numpy as np
import pandas as pd

from bayes_mmm.budget.geo import allocator_for
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.budget.tabulated import TabulatedResponse
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.value import reoptimise
from bayes_mmm.experiments.weighted import result_weights, under_weights
from bayes_mmm.experiments.window import design_lift
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.logs import log


def split_chains(fit: MMMFit) -> tuple[MMMFit, MMMFit]:
    """The fit's first chain (to value designs) and its other chains (truths). Both keep
    the whole fit's ``diagnostics`` (sampler health is the fit's, not a chain's)."""
    n = fit.idata["posterior"].sizes["chain"]
    if n < 2:
        raise ValueError("held-out truths need a fit with at least 2 chains")
    return tuple(
        dataclasses.replace(fit, idata=fit.idata.isel(chain=list(c))) for c in ([0], range(1, n))
    )


def one_draw(alloc: Allocator, d: int) -> Allocator:
    """``alloc`` restricted to its draw ``d``: that draw's curves as the truth."""
    one = copy.copy(alloc)
    one.resp = one._grid_resp = alloc.resp.subset(np.array([d]))
    return one


def held_out_gains(
    valuing: MMMFit,
    truths: MMMFit,
    candidates: pd.DataFrame,
    horizon: int,
    n_truths: int = 100,
    seed: int = 0,
) -> pd.DataFrame:
    """``(design, truth)`` realised gains of re-optimising the mean objective (the current
    budget) after each design's simulated result, for ``n_truths`` draws of ``truths``
    (evenly spaced). Only the mean objective: a risk objective has no value on one truth."""
    tests, table = candidate_tests(valuing, candidates)
    judge = allocator_for(truths, horizon, "mean")
    if not 2 <= n_truths <= judge.resp.n_draws:
        raise ValueError(f"n_truths must be 2 to {judge.resp.n_draws} (the truths' draws)")
    lift = design_lift(valuing, tests)  # (S, design); a geo test's summed over its geos
    true_lift = design_lift(truths, tests)
    alloc = allocator_for(valuing, horizon, "mean")
    budget = float(alloc.current.sum())
    plan0 = alloc.solve(budget).total
    caps = np.maximum.reduce([alloc._caps(budget), alloc.current, plan0])
    alloc.resp = TabulatedResponse.build(alloc.resp, caps)  # as design_tests: the fast path
    pick = np.linspace(0, judge.resp.n_draws - 1, n_truths).round().astype(int)
    y = (
        true_lift[pick]
        + tests.sigma * np.random.default_rng(seed).standard_normal(n_truths)[:, None]
    )
    gains = np.zeros((len(table), n_truths))
    t0 = time.perf_counter()
    for j, d in enumerate(pick):
        one = one_draw(judge, d)
        before = one.value(plan0)
        for i in range(len(table)):
            w, _ = result_weights(lift[:, [i]], y[j, [i]], tests.sigma[[i]])
            gains[i, j] = one.value(reoptimise(under_weights(alloc, w), budget, plan0)) - before
        if (j + 1) % max(1, n_truths // 5) == 0:
            log.info(f"held-out truths: {j + 1}/{n_truths} ({time.perf_counter() - t0:.0f} s)")
    return pd.DataFrame(gains, index=pd.Index(table["design"], name="design"))
