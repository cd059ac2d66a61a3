"""Checking EVSI where the model is exactly right: truths held out from the posterior.

A fit's chains are split: one values the designs (:func:`.value.design_tests`), the other
supplies truths. For each truth draw, a design's result is simulated from it (its lift plus
``sigma x z``, one ``z`` per truth shared by the designs), the valuing draws are weighted
by the result, the budget is re-optimised (as ``design_tests`` does, without its
cross-fitting; on the same tabulated response) and the new plan is scored against the old
one on that truth's own curves (the forward model's, not tabulated).
Averaged over truths this realised gain is what EVSI predicts: each design's EVSI should
match it within Monte Carlo error, and the top-EVSI design should gain the most
(``benchmarks/evsi_self.py``, ``tests/test_value.py``).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd

from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.tabulated import TabulatedResponse
from bayes_mmm.experiments.value import reoptimise
from bayes_mmm.experiments.weighted import WeightedObjective
from bayes_mmm.experiments.window import lift_values
from bayes_mmm.inference.fit import MMMFit


def split_chains(fit: MMMFit) -> tuple[MMMFit, MMMFit]:
    """The fit's first chain (to value designs) and its other chains (truths)."""
    n = fit.idata["posterior"].sizes["chain"]
    if n < 2:
        raise ValueError("held-out truths need a fit with at least 2 chains")
    return tuple(
        dataclasses.replace(fit, idata=fit.idata.isel(chain=list(c))) for c in ([0], range(1, n))
    )


def held_out_gains(
    valuing: MMMFit,
    truths: MMMFit,
    candidates: pd.DataFrame,
    horizon: int,
    n_truths: int = 100,
    seed: int = 0,
) -> pd.DataFrame:
    """``(design, truth)`` realised gains of re-optimising the mean objective after each
    design's simulated result, for ``n_truths`` draws of ``truths`` (evenly spaced)."""
    tests, table = candidate_tests(valuing, candidates)
    channels = valuing.data.channels
    lift = lift_values(valuing.forward(), tests, channels)  # (S, design)
    true_lift = lift_values(truths.forward(), tests, channels)
    alloc = Allocator(valuing, horizon, "mean")
    budget = float(alloc.current.sum())
    plan0 = alloc.solve(budget).total
    caps = np.maximum.reduce([alloc._caps(budget), alloc.current, plan0])
    alloc.resp = TabulatedResponse.build(alloc.resp, caps)  # as design_tests: the fast path
    judge = Allocator(truths, horizon, "mean")
    pick = np.linspace(0, judge.resp.n_draws - 1, n_truths).round().astype(int)
    z = np.random.default_rng(seed).standard_normal(n_truths)
    gains = np.zeros((len(table), n_truths))
    for j, (d, zj) in enumerate(zip(pick, z, strict=True)):
        one = copy.copy(judge)
        one.resp = one._grid_resp = judge.resp.subset(np.array([d]))
        before = one.value(plan0)
        for i, sigma in enumerate(tests.sigma):
            logw = -0.5 * ((true_lift[d, i] + sigma * zj - lift[:, i]) / sigma) ** 2
            w = np.exp(logw - logw.max())
            solver = copy.copy(alloc)
            solver.objective = WeightedObjective(alloc.objective, w / w.sum())
            gains[i, j] = one.value(reoptimise(solver, budget, plan0)) - before
    return pd.DataFrame(gains, index=pd.Index(table["design"], name="design"))
