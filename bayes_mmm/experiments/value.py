"""Which test to run next: the preposterior value of candidate lift tests for a budget decision.

For a fit, a decision (the optimizer's objective, budget, horizon and bounds) and candidate
designs (channel x spend change x weeks), :func:`design_tests` computes per design:

- the distribution of the measured lift: the forward model's lift of the design per posterior
  draw (:mod:`bayes_mmm.experiments.window`) plus measurement noise, the noise given or from
  the design: ``noise_scale x`` the model's residual noise ``x sqrt(measured weeks)``;
- EVSI, the expected improvement of the decision's objective after seeing the result: for
  ``n_outcomes`` simulated results the posterior draws are importance-weighted by the result's
  likelihood and the budget is re-optimised under the weighted objective
  (:mod:`.weighted`, warm-started at the current decision). The plan is chosen on one half of
  the draws and scored against that half's own no-test plan on the other half (and vice
  versa): cross-fitting, so the optimizer's own Monte Carlo noise is not counted as value
  (the estimate can be slightly negative; with no information it is exactly 0);
- the expected narrowing of the channel's ROI and marginal-ROI intervals;
- the test's cost (outcome lost, or gained, over the measurement window, plus the spend it
  adds valued at the plan's marginal return per unit of budget, with its interval; for a
  ``profit`` objective in money: value x outcome lost + spend added) and net value
  (EVSI - expected cost);
- the Monte Carlo error of EVSI, the effective sample size of the weights (median over
  outcomes) and the share of outcomes whose ESS is below ``min_ess`` (``method`` says so:
  those results lean on few draws; refit with the test added to check).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.analysis.mroi import mroi_values
from bayes_mmm.analysis.summary import ci
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.optimize import Allocator
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.weighted import WeightedObjective, ess, weighted_interval
from bayes_mmm.experiments.window import lift_values
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.logs import log
from bayes_mmm.model import dims as D

N_OUTCOMES = 24  # simulated results per design (cap)
MIN_ESS = 50.0


@dataclass
class Decision:
    """The decision a test informs, solved once: the current optimum ``plan`` over all
    draws, and for cross-fitting two half-draw allocators with their own optima ``starts``;
    ``price``: the outcome one more unit of budget makes in ``plan`` (its marginal return,
    the exchange rate of spend into the objective's units)."""

    halves: list[np.ndarray]
    allocators: list[Allocator]
    starts: list[np.ndarray]
    plan: np.ndarray
    budget: float | None
    objective: Objective
    price: float

    @classmethod
    def make(cls, fit, horizon, objective, budget, bounds, max_change) -> Decision:
        full = Allocator(fit, horizon, objective, bounds=bounds, max_change=max_change)
        if budget is None and full.objective.kind != "profit":
            budget = float(full.current.sum())
        plan = full.solve(budget).total
        n = full.resp.n_draws
        halves = [np.arange(0, n, 2), np.arange(1, n, 2)]
        allocs = [
            Allocator(
                fit,
                horizon,
                objective,
                bounds=bounds,
                max_change=max_change,
                response=full.resp.subset(h),
            )
            for h in halves
        ]
        starts = [a.solve(budget, starts=[plan], from_current=False).total for a in allocs]
        return cls(halves, allocs, starts, plan, budget, full.objective, _price(full, plan))

    def gain(self, w: np.ndarray) -> float:
        """Cross-fitted improvement of the weighted objective from re-optimising under the
        normalised weights ``w`` ``(S,)``."""
        gains = []
        for h in (0, 1):
            fit_alloc, score_alloc = self.allocators[h], self.allocators[1 - h]
            wh, wo = w[self.halves[h]], w[self.halves[1 - h]]
            solver = copy.copy(fit_alloc)
            solver.objective = WeightedObjective(self.objective, wh / wh.sum())
            before = self.starts[h]  # the decision this half makes without the test
            new = solver.solve(self.budget, starts=[before], from_current=False).total
            scorer = copy.copy(score_alloc)
            scorer.objective = WeightedObjective(self.objective, wo / wo.sum())
            gains.append(scorer.value(new) - scorer.value(before))
        return float(np.mean(gains))


def _price(alloc: Allocator, plan: np.ndarray) -> float:
    """Marginal objective per unit of budget at ``plan``: the mean gradient over channels
    strictly inside their bounds (equal there at the optimum), 1 for ``profit``."""
    if alloc.objective.kind == "profit":
        return 1.0 / alloc.objective.value
    _, grad = alloc._value_and_grad(plan)
    inside = (plan > alloc.lo + 1e-9) & (plan < alloc.hi - 1e-9)
    return float(np.mean(grad[inside] if inside.any() else grad))


def outcome_weights(lift: np.ndarray, sigma: np.ndarray, rng, n_outcomes: int):
    """Simulated results of a set of tests with draws ``lift`` ``(S, k)`` and noise
    ``sigma`` ``(k,)``: ``(n_outcomes, S)`` normalised importance weights and their ESS."""
    s = rng.choice(lift.shape[0], size=n_outcomes, replace=lift.shape[0] < n_outcomes)
    y = lift[s] + sigma * rng.standard_normal((n_outcomes, lift.shape[1]))
    logw = -0.5 * (((y[:, None, :] - lift[None]) / sigma) ** 2).sum(axis=-1)
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w, np.array([ess(row) for row in w])


def set_value(decision: Decision, lift, sigma, n_outcomes: int, seed: int) -> dict:
    """EVSI (and its Monte Carlo error) of a set of tests run together."""
    w, e = outcome_weights(lift, sigma, np.random.default_rng(seed), n_outcomes)
    gains = np.array([decision.gain(row) for row in w])
    return {
        "evsi": float(gains.mean()),
        "evsi_mc_se": float(gains.std(ddof=1) / np.sqrt(len(gains))),
        "weights": w,
        "ess": e,
    }


def narrowing(x: np.ndarray, w: np.ndarray, prob: float) -> float:
    """``1 - E[width after] / width before`` of the interval of draws ``x`` ``(S,)``."""
    lo, hi = np.quantile(x, [(1 - prob) / 2, (1 + prob) / 2])
    if not hi > lo:
        return 0.0  # known exactly: nothing to narrow
    after = []
    for row in w:
        a, b = weighted_interval(x[:, None], row, prob)
        after.append(b[0] - a[0])
    return float(1 - np.mean(after) / (hi - lo))


def _cost(decision: Decision, lift: np.ndarray, spend_added: float, prob: float):
    """Cost of the test in the objective's units, its mean and interval over draws: the
    outcome lost, plus the outcome the spend added would have made in the plan (minus that of
    the spend saved: it can be spent elsewhere); x value for ``profit``."""
    lost = -lift + decision.price * spend_added
    if decision.objective.kind == "profit":
        lost = decision.objective.value * lost
    lo, hi = np.quantile(lost, [(1 - prob) / 2, (1 + prob) / 2])
    return float(lost.mean()), float(lo), float(hi)


def design_tests(
    fit: MMMFit,
    candidates: pd.DataFrame | str = "default",
    *,
    objective: str | Objective = "mean",
    budget: float | None = None,
    horizon: int = 13,
    bounds=None,
    max_change=None,
    noise_scale: float = 1.0,
    n_outcomes: int = N_OUTCOMES,
    min_ess: float = MIN_ESS,
    ci_prob: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank candidate lift tests by their value for the budget decision (see the module
    docstring). ``candidates``: ``"default"`` or a table (:func:`candidate_tests`). Returns one
    row per design, best net value first (``attrs``: the decision and timings)."""
    t0 = time.perf_counter()
    prob = ci(ci_prob)
    tests, table = candidate_tests(fit, candidates, noise_scale)
    forward = fit.forward()
    lift = lift_values(forward, tests, fit.data.channels)  # (S, design)
    decision = Decision.make(fit, horizon, objective, budget, bounds, max_change)
    roi, mroi = forward.draws[D.ROI], mroi_values(fit)
    rows = []
    n_designs = len(table)
    for i, ch in enumerate(tests.channel_index(fit.data.channels)):
        log.info(
            f"design {i + 1}/{n_designs}: {table['design'].iloc[i]} "
            f"({time.perf_counter() - t0:.0f} s so far)"
        )
        v = set_value(decision, lift[:, [i]], tests.sigma[[i]], n_outcomes, seed + i)
        noisy = lift[:, i] + tests.sigma[i] * np.random.default_rng(seed).standard_normal(
            lift.shape[0]
        )
        spend_added = float(tests.delta_spend[i] * tests.weeks[i])
        cost, cost_lo, cost_hi = _cost(decision, lift[:, i], spend_added, prob)
        low = float((v["ess"] < min_ess).mean())
        rows.append(
            {
                "measured_mean": float(noisy.mean()),
                "measured_lower": float(np.quantile(noisy, (1 - prob) / 2)),
                "measured_upper": float(np.quantile(noisy, (1 + prob) / 2)),
                "evsi": v["evsi"],
                "evsi_mc_se": v["evsi_mc_se"],
                "roi_narrowing": narrowing(roi[:, ch], v["weights"], prob),
                "mroi_narrowing": narrowing(mroi[:, ch], v["weights"], prob),
                "cost": cost,
                "cost_lower": cost_lo,
                "cost_upper": cost_hi,
                "spend_added": spend_added,
                "net_value": v["evsi"] - cost,
                "ess_median": float(np.median(v["ess"])),
                "method": "reweight" if low == 0 else f"reweight (low ESS in {low:.0%})",
            }
        )
    out = pd.concat([table, pd.DataFrame(rows)], axis=1)
    out = out.sort_values("net_value", ascending=False, ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    seconds = time.perf_counter() - t0
    out.attrs.update(objective=str(decision.objective), plan=decision.plan, seconds=seconds)
    log.info(f"ranked {len(out)} test designs in {seconds:.1f} s")
    return out
