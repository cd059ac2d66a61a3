"""Which test to run next: the preposterior value of candidate lift tests for a budget decision.

For a fit, a decision (the optimizer's objective, budget, horizon and bounds) and candidate
designs (channel x spend change x weeks), :func:`design_tests` computes per design:

- the distribution of the measured lift: the forward model's lift of the design per posterior
  draw (:mod:`bayes_mmm.experiments.window`) plus measurement noise, the noise given or from
  the design: ``noise_scale x`` the model's residual noise ``x sqrt(measured weeks)``;
- EVSI, the expected improvement of the decision's objective after seeing the result: for
  ``n_outcomes`` simulated results (stratified over the result's predictive, the same slices
  for every design: :mod:`.outcomes`) the posterior draws are importance-weighted by the result's
  likelihood and the budget is re-optimised under the weighted objective
  (:mod:`.weighted`, warm-started at the current decision). The plan is chosen on one half of
  the draws and scored against that half's own no-test plan on the other half (and vice
  versa): cross-fitting, so the optimizer's own Monte Carlo noise is not counted as value
  (the estimate can be slightly negative; with no information it is exactly 0);
- the expected narrowing of the channel's ROI and marginal-ROI intervals;
- the test's cost against the decision made without it: the test's change run from the
  recommended plan's weekly spend on the channel (not today's: a reallocation the plan makes
  anyway is not the test's doing; a go-dark of a channel the plan cuts costs nothing), the
  outcome it loses (or gains) until its carryover has faded plus the spend it adds valued at
  the plan's marginal return per unit of budget, with its interval; for a ``profit``
  objective in money: value x outcome lost + spend added) and net value (EVSI - expected
  cost);
- the Monte Carlo error of EVSI, the effective sample size of the weights and their PSIS
  Pareto ``k`` (medians over outcomes). Where the weights are inadequate (median ESS below
  ``min_ess`` = 100 or median ``k`` above 0.7: a test so precise that few draws fit it) the
  design is valued by refitting with its simulated results instead (:mod:`.refit`: short
  NUTS by default, or Laplace); ``method`` says which was used;
- ``roi_prior_left``: the channel's ROI interval width now over its prior's (the
  ``width_ratio`` of ``prior_posterior.csv``). EVSI is exact *under the model*: near 1, the
  data have not informed the channel's ROI and its EVSI rests on the ROI prior; a prior
  wider than what is really plausible overstates the value of testing such channels
  (``benchmarks/results/test_value_prior.md``: with the default prior, wider than the
  simulated worlds, the go-dark EVSI of the two smallest of 4 channels was 451 and 351
  against realised gains of 185 and 144; with the worlds' own prior 200 and 138 against
  341 and 140). A warning says so when the top design tests such a channel.

The re-optimisation after each simulated result is one SLSQP polish warm-started at the
decision without the test (:func:`reoptimise`), not the optimizer's global search.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.analysis.mroi import mroi_draws, mroi_values
from bayes_mmm.analysis.roi import roi_draws
from bayes_mmm.analysis.scope import is_geo
from bayes_mmm.analysis.summary import ci
from bayes_mmm.budget.geo import allocator_for
from bayes_mmm.budget.objectives import Objective
from bayes_mmm.budget.optimize import GRID_DRAWS, Allocator, _project
from bayes_mmm.budget.tabulated import TabulatedResponse
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.cost import plan_costs
from bayes_mmm.experiments.outcomes import draw_results, mean_and_se
from bayes_mmm.experiments.refit import REFIT_OUTCOMES, pareto_k, refit_value
from bayes_mmm.experiments.weighted import (
    WeightedObjective,
    ess,
    result_weights,
    under_weights,
    weighted_interval,
)
from bayes_mmm.experiments.window import design_lift
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.logs import log
from bayes_mmm.model import dims as D

N_OUTCOMES = 24  # simulated results per design (cap)
MIN_ESS = 100.0
TABULATE = True  # the half-draw allocators use the tabulated response (.tabulated)
MAX_K = 0.7  # PSIS: above it, importance-sampling estimates are unreliable
PRIOR_LEFT = 0.7  # ROI interval still this share of the prior's: EVSI rests on the prior


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
    settings: dict  # the Allocator's horizon, objective, bounds and max_change
    current: np.ndarray | None = None  # the current plan's totals (paid channels)

    @classmethod
    def make(cls, fit, horizon, objective, budget, bounds, max_change) -> Decision:
        full = allocator_for(fit, horizon, objective, bounds=bounds, max_change=max_change)
        if budget is None and full.objective.kind != "profit":
            budget = float(full.current.sum())
        plan = full.solve(budget).total
        n = full.resp.n_draws
        halves = [np.arange(0, n, 2), np.arange(1, n, 2)]
        caps = np.maximum.reduce([full._caps(budget), full.current, plan])
        table = TabulatedResponse.build(full.resp, caps) if TABULATE else full.resp
        allocs = [
            allocator_for(
                fit,
                horizon,
                objective,
                bounds=bounds,
                max_change=max_change,
                response=table.subset(h),
            )
            for h in halves
        ]
        starts = [a.solve(budget, starts=[plan], from_current=False).total for a in allocs]
        settings = dict(
            horizon=horizon, objective=full.objective, bounds=bounds, max_change=max_change
        )
        price = _price(full, plan)
        return cls(halves, allocs, starts, plan, budget, full.objective, price, settings,
                   full.current)  # fmt: skip

    def gain(self, w: np.ndarray) -> float:
        """Cross-fitted improvement of the weighted objective from re-optimising under the
        normalised weights ``w`` ``(S,)``."""
        gains = []
        for h in (0, 1):
            fit_alloc, score_alloc = self.allocators[h], self.allocators[1 - h]
            before = self.starts[h]  # the decision this half makes without the test
            new = reoptimise(under_weights(fit_alloc, w[self.halves[h]]), self.budget, before)
            scorer = under_weights(score_alloc, w[self.halves[1 - h]])
            gains.append(scorer.value(new) - scorer.value(before))
        return float(np.mean(gains))


def reoptimise(solver: Allocator, budget: float | None, start: np.ndarray) -> np.ndarray:
    """The best plan under the solver's (weighted) objective, from starts at ``start`` (the
    decision without the test) and at the grid optimum of the *weighted*
    mean curves (the grid run on draws resampled by weight); for the risk objectives
    (non-smooth in the plan) also from the weighted mean's optimum; the most promising start
    is polished (SLSQP). ``start`` itself is kept
    if nothing improves on it. :meth:`Allocator.solve` would instead spend its grid (and,
    for risk objectives, a second full solve) on the *unweighted* curves, which know
    nothing of the result: this is 3-4x faster (benchmarks/design_speed.py)."""
    grid = _weighted_grid_start(solver, budget)
    starts = [start] + ([] if grid is None else [grid])
    if solver.objective.kind in ("cvar", "quantile") and grid is not None:
        twin = copy.copy(solver)
        w = getattr(solver.objective, "w", None)  # unweighted: a refit's own draws
        twin.objective = Objective() if w is None else WeightedObjective(Objective(), w)
        starts.append(_polish(twin, budget, grid).total)
    best = _polish(solver, budget, max(starts, key=solver.value))  # the most promising
    return best.total if best.value > solver.value(start) else start


def _weighted_grid_start(solver: Allocator, budget: float | None) -> np.ndarray | None:
    w = getattr(solver.objective, "w", None)
    if w is None:
        return solver._grid_start(budget, solver._caps(budget))
    if isinstance(solver.resp, TabulatedResponse):
        twin = copy.copy(solver)
        twin._grid_resp = solver.resp.weighted_mean(w)
        return twin._grid_start(budget, solver._caps(budget))
    n = min(len(w), GRID_DRAWS)
    positions = (np.arange(n) + 0.5) / n  # systematic resampling by weight
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    twin = copy.copy(solver)
    twin._grid_resp = solver.resp.subset(idx)
    return twin._grid_start(budget, solver._caps(budget))


def _polish(solver: Allocator, budget: float | None, start: np.ndarray):
    lo, hi = solver.lo, solver._caps(budget)
    inner = np.minimum(lo + 1e-3 * (hi - lo), hi)  # off zero spend, as Allocator.solve does
    x = np.clip(start, inner, hi)
    if budget is not None and inner.sum() <= budget:
        x = _project(x, inner, hi, budget)
    return solver._polish(x, budget, lo, hi)


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
    ``sigma`` ``(k,)`` (:func:`.outcomes.draw_results`: stratified for one test):
    ``(n_outcomes, S)`` normalised importance weights, their ESS and their PSIS Pareto ``k``
    (``(n_outcomes,)`` each)."""
    w, logw = result_weights(lift, draw_results(lift, sigma, rng, n_outcomes), sigma)
    return w, np.array([ess(row) for row in w]), pareto_k(logw)


def set_value(decision: Decision, lift, sigma, n_outcomes: int, seed: int) -> dict:
    """EVSI (and its Monte Carlo error) of a set of tests run together. Designs valued with
    the same ``seed`` share their random numbers (for one test: the same slices of each
    predictive), so their EVSI differences are steadier than each EVSI."""
    w, e, k = outcome_weights(lift, sigma, np.random.default_rng(seed), n_outcomes)
    gains = np.array([decision.gain(row) for row in w])
    evsi, se = mean_and_se(gains, stratified=lift.shape[1] == 1)
    return {"evsi": evsi, "evsi_mc_se": se, "weights": w, "ess": e, "pareto_k": k}


def narrowing(x: np.ndarray, w: np.ndarray, prob: float) -> float:
    """``1 - E[width after] / width before`` of the interval of draws ``x`` ``(S,)``, both
    widths from the same weighted quantiles (equal weights before: a test that tells
    nothing narrows nothing, exactly)."""
    lo, hi = (v[0] for v in weighted_interval(x[:, None], np.full(len(x), 1 / len(x)), prob))
    if not hi > lo:
        return 0.0  # known exactly: nothing to narrow
    after = []
    for row in w:
        a, b = weighted_interval(x[:, None], row, prob)
        after.append(b[0] - a[0])
    return float(1 - np.mean(after) / (hi - lo))


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
    max_k: float = MAX_K,
    refit: str | None = "nuts",
    refit_outcomes: int = REFIT_OUTCOMES,
    ci_prob: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank candidate lift tests by their value for the budget decision (see the module
    docstring). ``candidates``: ``"default"`` or a table (:func:`candidate_tests`). A design
    whose weights are inadequate (median ESS below ``min_ess`` or median Pareto ``k`` above
    ``max_k``) is valued by ``refit_outcomes`` refits (``refit``: ``"nuts"``, ``"laplace"``;
    ``None`` keeps the reweighted value and says so in ``method``). Returns one row per
    design, best net value first (``attrs``: the decision and timings)."""
    t0 = time.perf_counter()
    prob = ci(ci_prob)
    tests, table = candidate_tests(fit, candidates, noise_scale)
    lift = design_lift(fit, tests)  # (S, design); a geo test's summed over its geos
    decision = Decision.make(fit, horizon, objective, budget, bounds, max_change)
    ctx = _Context(fit, decision, tests, lift, national_roi(fit), national_mroi(fit), prob,
                   plan_costs(fit, decision, tests, prob))  # fmt: skip
    rows, reweighted = [], {}
    for i in range(len(table)):
        log.info(
            f"design {i + 1}/{len(table)}: {table['design'].iloc[i]} "
            f"({time.perf_counter() - t0:.0f} s so far)"
        )
        row = ctx.row(i, n_outcomes, seed)
        reweighted[table["design"].iloc[i]] = row["evsi"]  # a batch plan's single values
        if refit is not None and (row["ess_median"] < min_ess or row["pareto_k_median"] > max_k):
            row.update(ctx.refit_row(i, refit, refit_outcomes, seed))
            row["net_value"] = row["evsi"] - row["cost"]
        elif row["ess_median"] < min_ess or row["pareto_k_median"] > max_k:
            row["method"] = "reweight (inadequate weights: refit to check)"
        rows.append(row)
    out = pd.concat([table, pd.DataFrame(rows)], axis=1)
    left = roi_prior_left(fit)
    out.insert(out.columns.get_loc("roi_narrowing"), "roi_prior_left", out["channel"].map(left))
    out = out.sort_values("net_value", ascending=False, ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    _warn_prior_left(out)
    seconds = time.perf_counter() - t0
    out.attrs.update(objective=str(decision.objective), plan=decision.plan, seconds=seconds,
                     evsi_reweighted=reweighted, n_outcomes=n_outcomes, seed=seed)  # fmt: skip
    log.info(f"ranked {len(out)} test designs in {seconds:.1f} s")
    return out


def national_roi(fit: MMMFit) -> np.ndarray:
    """``(S, channel)`` ROI draws (a geo fit's national ROI), in the forward model's order."""
    if is_geo(fit):
        return roi_draws(fit, geo=NATIONAL).stack(s=D.SAMPLE_DIMS).transpose("s", ...).values
    return fit.forward().draws[D.ROI]


def national_mroi(fit: MMMFit) -> np.ndarray:
    """``(S, channel)`` marginal ROI draws at current spend (a geo fit's national ones)."""
    if is_geo(fit):
        return mroi_draws(fit, geo=NATIONAL).stack(s=D.SAMPLE_DIMS).transpose("s", ...).values
    return mroi_values(fit)


def roi_prior_left(fit: MMMFit) -> dict[str, float]:
    """Per channel: its ROI posterior interval's width over its prior's."""
    from bayes_mmm.analysis.learning import prior_posterior

    table = prior_posterior(fit)
    roi = table[table["parameter"] == D.ROI]
    return dict(zip(roi["item"], roi["width_ratio"].astype(float), strict=True))


def _warn_prior_left(out: pd.DataFrame) -> None:
    top = out.iloc[0]
    if top["roi_prior_left"] > PRIOR_LEFT:
        log.warning(
            f"the top design ({top['design']}) tests a channel whose ROI interval is still "
            f"{top['roi_prior_left']:.0%} of its prior's: its value rests on the ROI prior, "
            f"and is overstated if that prior is wider than what you believe plausible "
            f"(narrow it with channel_priors, or compare with the next designs)"
        )


@dataclass
class _Context:
    """What valuing each design needs, computed once."""

    fit: MMMFit
    decision: Decision
    tests: object
    lift: np.ndarray  # (S, design)
    roi: np.ndarray  # (S, C)
    mroi: np.ndarray  # (S, C)
    prob: float
    costs: np.ndarray  # (design, 3) against the plan: mean, lower, upper

    def row(self, i: int, n_outcomes: int, seed: int) -> dict:
        """One design's row, valued by reweighting the draws."""
        tests, lift, prob, ch = self.tests, self.lift, self.prob, self._channel(i)
        v = set_value(self.decision, lift[:, [i]], tests.sigma[[i]], n_outcomes, seed)
        noise = np.random.default_rng(seed).standard_normal(lift.shape[0])
        noisy = lift[:, i] + tests.sigma[i] * noise
        spend_added = float(tests.delta_spend[i] * tests.weeks[i])
        cost, cost_lo, cost_hi = self.costs[i]
        return {
            "measured_mean": float(noisy.mean()),
            "measured_lower": float(np.quantile(noisy, (1 - prob) / 2)),
            "measured_upper": float(np.quantile(noisy, (1 + prob) / 2)),
            "evsi": v["evsi"],
            "evsi_mc_se": v["evsi_mc_se"],
            "roi_narrowing": narrowing(self.roi[:, ch], v["weights"], prob),
            "mroi_narrowing": narrowing(self.mroi[:, ch], v["weights"], prob),
            "cost": cost,
            "cost_lower": cost_lo,
            "cost_upper": cost_hi,
            "spend_added": spend_added,
            "net_value": v["evsi"] - cost,
            "ess_median": float(np.median(v["ess"])),
            "pareto_k_median": float(np.median(v["pareto_k"])),
            "method": "reweight",
        }

    def refit_row(self, i: int, refit: str, n_outcomes: int, seed: int) -> dict:
        """The EVSI and ROI narrowing of design ``i`` by refitting (:mod:`.refit`)."""
        one = self.tests.subset(np.arange(len(self.tests)) == i)
        ch = self._channel(i)
        v = refit_value(
            self.fit, self.decision, one, self.lift[:, i], ch,
            n_outcomes=n_outcomes, refit=refit, seed=seed + i,
        )  # fmt: skip
        lo, hi = np.quantile(self.roi[:, ch], [(1 - self.prob) / 2, (1 + self.prob) / 2])
        q = [(1 - self.prob) / 2, (1 + self.prob) / 2]
        after = [np.diff(np.quantile(r, q))[0] for r in v["roi"]]
        return {
            "evsi": v["evsi"],
            "evsi_mc_se": v["evsi_mc_se"],
            "roi_narrowing": float(1 - np.mean(after) / (hi - lo)) if hi > lo else 0.0,
            "mroi_narrowing": np.nan,
            "method": f"refit ({refit}, {n_outcomes} results)",
        }

    def _channel(self, i: int) -> int:
        return int(self.tests.channel_index(self.fit.data.channels)[i])
