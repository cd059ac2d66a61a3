"""The model health card: each check of a fit as pass / review / fail, what was measured and
what to do.

The checks cover Meridian's model review (convergence, negative baseline, posterior
predictive p-value, goodness of fit, ROI consistency with the prior, prior-posterior shift,
implausible ROI) and go further: ESS and divergences next to r_hat, five predictive
statistics instead of one, the out-of-time holdout, the weekly (not only the total) baseline,
and the lift tests. Thresholds are the module constants below; every number comes from the
fit's diagnostics and the :class:`~bayes_mmm.analysis.overview.Analysis` (the same functions
that write the CSVs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bayes_mmm.analysis.learning import CONFLICT_QUANTILE, WEAK_CONTRACTION
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.experiments.lift import lift_table
from bayes_mmm.inference.diagnostics import MAX_R_HAT, MAX_STEPS, MIN_ESS, Diagnostics
from bayes_mmm.model import dims as D

STATUSES = ("pass", "review", "fail")
NOT_RUN = "not run"  # a check without the inputs it needs (no holdout, no lift tests)

R_HAT_FAIL = 1.05  # Vehtari et al. (2021) ask for < 1.01; Meridian fails only above 1.2
ESS_FAIL = 100  # bulk ESS: below 100 even the interval's centre is unreliable
DIVERGENCE_FAIL_SHARE = 0.01  # divergent share of draws above which the posterior is biased
PPC_REVIEW, PPC_FAIL = 0.025, 0.005  # predictive p-values beyond these (two-sided)
COVERAGE_SLACK = 0.15  # predictive coverage this far below ci_prob: intervals too narrow
CONFLICT_FAIL = 0.001  # posterior median beyond the prior's central 99.8%
ROI_MAX = 20.0  # Meridian's bound: an ROI above 20 is rarely real
IMPLAUSIBLE_REVIEW, IMPLAUSIBLE_FAIL = 0.10, 0.50  # posterior mass above ROI_MAX
BASELINE_REVIEW, BASELINE_FAIL = 0.2, 0.8  # P(total baseline < 0), Meridian's thresholds
BASELINE_WEEK_REVIEW = 0.5  # P(baseline < 0) in the worst week
LIFT_REVIEW, LIFT_FAIL = 2.0, 3.0  # |z| of model vs measured lift


@dataclass(frozen=True)
class Check:
    """One line of the health card."""

    name: str
    status: str  # pass | review | fail | not run
    finding: str  # what was measured, in words with the numbers
    advice: str = ""  # what to do (empty when nothing is to be done)
    details: list[str] = field(default_factory=list)


def worst(statuses) -> str:
    """The worst of ``pass < review < fail`` (``not run`` counts as pass); pass if none."""
    ranked = [STATUSES.index(s) for s in statuses if s in STATUSES]
    return STATUSES[max(ranked, default=0)]


def _grade(review: bool, fail: bool) -> str:
    return "fail" if fail else "review" if review else "pass"


# ---- sampler ------------------------------------------------------------------------------
def _r_hat(d: Diagnostics) -> Check:
    if d.chains < 2:
        return Check(
            "Convergence (r_hat)",
            "review",
            "one chain: r_hat cannot be computed",
            "run at least 2 chains (4 is the default)",
        )
    r = d.max_r_hat
    return Check(
        "Convergence (r_hat)",
        _grade(not r <= MAX_R_HAT, not r <= R_HAT_FAIL),
        f"largest r_hat {r:.3f} over {d.chains} chains (pass: <= {MAX_R_HAT})",
        ""
        if r <= MAX_R_HAT
        else "the chains disagree: run more tuning and draws (e.g. --tune 2000 --draws 2000); "
        "if it persists, look for two modes in the trace plots and make the priors on decay "
        "and saturation more informative",
    )


def _ess(d: Diagnostics) -> Check:
    e = d.min_ess_bulk
    return Check(
        "Effective sample size",
        _grade(not e >= MIN_ESS, not e >= ESS_FAIL),
        f"smallest bulk ESS {e:.0f} ({d.chains} x {d.draws} draws; pass: >= {MIN_ESS})",
        "" if e >= MIN_ESS else "intervals are imprecise: run more draws (--draws)",
    )


def _divergences(d: Diagnostics) -> Check:
    n, total = d.divergences, max(d.chains * d.draws, 1)
    return Check(
        "Divergent transitions",
        _grade(n > 0, n / total > DIVERGENCE_FAIL_SHARE),
        f"{n} of {total} draws diverged ({n / total:.1%})",
        ""
        if n == 0
        else "the sampler could not follow parts of the posterior: raise target_accept "
        f"(e.g. {d.next_target_accept()}) and look at the prior-data conflicts below "
        "(widen a prior the data contradict)",
    )


def convergence(a: Analysis) -> list[Check]:
    """r_hat, bulk ESS, divergences and steps per draw of the sampler; approximate posteriors."""
    return sampler_checks(a.fit.diagnostics)


def sampler_checks(d: Diagnostics) -> list[Check]:
    """:func:`convergence` from the sampler's diagnostics alone (a geo fit's report)."""
    if d.approximate:
        return [
            Check(
                "Sampler",
                "fail",
                f"the posterior is an APPROXIMATION ({d.sampler}), not MCMC: its intervals "
                f"may be too narrow or too wide ({d.min_ess_bulk:.0f} effective draws)",
                "refit with the default sampler (nutpie) before deciding anything on it",
            )
        ]
    out = [_r_hat(d), _ess(d), _divergences(d)]
    if d.steps_per_draw > MAX_STEPS:
        out.append(
            Check(
                "Posterior geometry",
                "review",
                f"{d.steps_per_draw:.0f} leapfrog steps per draw (above {MAX_STEPS})",
                "a hard posterior: more informative priors on decay and saturation help",
            )
        )
    return out


# ---- fit to the data ----------------------------------------------------------------------
def goodness_of_fit(a: Analysis) -> Check:
    return fit_check(a.fit_quality)


def fit_check(q: dict, name: str = "Goodness of fit") -> Check:
    """R², MAPE and predictive coverage (``fit_quality``'s keys) graded."""
    low = q["coverage"] < q["ci_prob"] - COVERAGE_SLACK
    status = _grade(low, not q["r2"] > 0)
    advice = ""
    if q["r2"] <= 0:
        advice = "the model predicts worse than the mean: check the data and relax the priors"
    elif low:
        advice = "the predictive intervals are too narrow: look for missing controls or events"
    return Check(
        name,
        status,
        f"R² {q['r2']:.2f}, MAPE {q['mape']:.1%}; {q['coverage']:.0%} of periods inside the "
        f"{q['ci_prob']:.0%} predictive interval",
        advice,
    )


PPC_ADVICE = {
    "mean": "the level of the outcome is off: check the trend and the intercept's prior",
    "sd": "the spread of the outcome is not reproduced: missing controls, or noise not normal "
    "(try likelihood='studentt')",
    "min": "the lowest weeks are not reproduced: outliers or events (holidays, stock-outs) "
    "missing as controls",
    "max": "the highest weeks are not reproduced: promotions or events missing as controls",
    "residual_acf1": "the residuals are autocorrelated: dynamics the model misses (a "
    "control, seasonality, or a longer carryover, l_max)",
}


def predictive_checks(a: Analysis) -> Check:
    return ppc_check(a.ppc)


def ppc_check(t, name: str = "Posterior predictive check") -> Check:
    """The p-values of a ``ppc`` table (``statistic``, ``p_value``) graded, with advice."""
    p = t.set_index("statistic")["p_value"]
    tail = np.minimum(p, 1 - p)
    bad = tail[tail < PPC_REVIEW]
    status = _grade(len(bad) > 0, bool((tail < PPC_FAIL).any()))
    finding = "posterior predictive p-values: " + ", ".join(f"{k} {v:.2f}" for k, v in p.items())
    return Check(
        name,
        status,
        finding + f" (pass: all within [{PPC_REVIEW}, {1 - PPC_REVIEW}])",
        "; ".join(PPC_ADVICE.get(k, k) for k in bad.index),
    )


def holdout_accuracy(a: Analysis) -> Check:
    h = a.holdout
    if h is None:
        return Check(
            "Holdout accuracy",
            NOT_RUN,
            "no out-of-time holdout was run",
            "run one to see how well the model forecasts weeks it has not seen "
            "(bayes-mmm fit --holdout-weeks 13, or bm.holdout(data, 13))",
        )
    return holdout_grade(h.metrics)


def holdout_grade(m: dict, name: str = "Holdout accuracy") -> Check:
    """A holdout's scores (``Holdout.metrics``: r2, mape, coverage, ci_prob, weeks,
    train_weeks) graded."""
    low = m["coverage"] < m["ci_prob"] - COVERAGE_SLACK
    status = _grade(low or not m["r2"] > 0, m["coverage"] < m["ci_prob"] - 2 * COVERAGE_SLACK)
    return Check(
        name,
        status,
        f"last {m['weeks']} periods forecast from the first {m['train_weeks']}: R² "
        f"{m['r2']:.2f}, MAPE {m['mape']:.1%}, {m['coverage']:.0%} inside the "
        f"{m['ci_prob']:.0%} predictive interval",
        ""
        if status == "pass"
        else "the model forecasts unseen weeks poorly: something changed (a new channel, a "
        "market shift) or the model misses a driver; be careful with plans far from history",
    )


# ---- priors and what the data taught ------------------------------------------------------
def _label(param: str, item: str) -> str:
    return f"{param}[{item}]" if item else param


def prior_conflicts(a: Analysis) -> Check:
    t = a.prior_posterior
    q = t["prior_quantile"]
    tail = np.minimum(q, 1 - q)
    far = t[tail < CONFLICT_QUANTILE]
    status = _grade(len(far) > 0, bool((tail < CONFLICT_FAIL).any()))
    details = [
        f"{_label(r.parameter, r.item)}: posterior median at the prior's {r.prior_quantile:.1%} "
        f"quantile (prior {r.prior_lower:.3g} to {r.prior_upper:.3g}, posterior "
        f"{r.posterior_lower:.3g} to {r.posterior_upper:.3g})"
        for r in far.itertuples()
    ]
    return Check(
        "Prior-data conflict",
        status,
        "no posterior median outside the prior's central 95%"
        if far.empty
        else f"{len(far)} parameter(s) where the data put the posterior where the prior "
        "hardly expected it",
        ""
        if far.empty
        else "check these priors: if the prior is a belief you hold (an experiment), the data "
        "disagree with it, look at both; otherwise widen it and refit",
        details,
    )


def uninformed_channels(a: Analysis) -> Check:
    t = a.prior_posterior.set_index(["parameter", "item"])

    def weak(param: str, ch: str) -> bool:
        """Little prior variance removed, and not because the data contradict the prior
        (that is a conflict, the check above)."""
        if (param, ch) not in t.index:
            return False
        row = t.loc[(param, ch)]
        q = row["prior_quantile"]
        return bool(row["contraction"] < WEAK_CONTRACTION and min(q, 1 - q) >= CONFLICT_QUANTILE)

    details, roi_weak, shape_weak = [], [], []
    for ch in a.fit.data.channels:
        names = [p for p in (D.ROI, D.DECAY) if weak(p, ch)]
        if weak(D.HALF_SAT, ch) and weak(D.SLOPE, ch):
            names.append("saturation")
        if names:
            details.append(f"{ch}: the data could not inform its {' and '.join(names)}")
        if D.ROI in names:
            roi_weak.append(ch)
        if set(names) - {D.ROI}:
            shape_weak.append(ch)
    advice = []
    if roi_weak:
        advice.append(
            f"the ROI of {', '.join(roi_weak)} mostly reflects the prior, which is not "
            "evidence: run a lift test (geo or go-dark experiment) there"
        )
    if shape_weak:
        advice.append(
            f"the response curves of {', '.join(shape_weak)} away from current spend reflect "
            "the prior: vary their spend more (a flighted test), or calibrate with an experiment"
        )
    advice = "; ".join(advice)
    return Check(
        "What the data could inform",
        _grade(bool(details), False),
        "every channel's ROI, carryover and saturation learned from the data (each removed "
        f">= {WEAK_CONTRACTION:.0%} of the prior variance)"
        if not details
        else f"{len(details)} channel(s) with parameters the data could not inform",
        advice,
        details,
    )


def implausible_roi(a: Analysis) -> Check:
    p = (a.roi > ROI_MAX).mean(D.SAMPLE_DIMS).to_series()
    high = p[p > IMPLAUSIBLE_REVIEW]
    status = _grade(len(high) > 0, bool((p > IMPLAUSIBLE_FAIL).any()))
    return Check(
        "Implausible ROI",
        status,
        f"posterior probability of an ROI above {ROI_MAX:g}: "
        + ", ".join(f"{c} {v:.0%}" for c, v in p.items()),
        ""
        if high.empty
        else "an ROI this high is rarely real: the channel may be taking credit for a "
        "driver that moves with it (seasonality, promotions); add that control or "
        "tighten its ROI prior",
    )


def negative_baseline(a: Analysis) -> Check:
    channels = list(a.fit.data.channels)
    comp = a.contributions
    others = [c for c in comp[D.COMPONENT].values if c not in channels]
    base = comp.sel({D.COMPONENT: others}).sum(D.COMPONENT)
    p_total = float((base.sum(D.DATE) < 0).mean())
    p_week = (base < 0).mean(D.SAMPLE_DIMS)
    worst_week = int(np.argmax(p_week.values))
    p_worst = float(p_week[worst_week])
    review = p_total > BASELINE_REVIEW or p_worst > BASELINE_WEEK_REVIEW
    status = _grade(review, p_total > BASELINE_FAIL)
    when = str(np.datetime_as_string(p_week[D.DATE].values[worst_week], unit="D"))
    weekly = (
        f"worst period {when}: P(baseline < 0) = {p_worst:.2f}"
        if p_worst > 0
        else "P(baseline < 0) = 0 in every period"
    )
    return Check(
        "Negative baseline",
        status,
        f"P(baseline over the window < 0) = {p_total:.2f}; {weekly}",
        ""
        if status == "pass"
        else "the model may credit media with more than the outcome allows: look at the "
        "baseline in the contributions chart; consider a lower media share prior "
        "(roi_media_share) or missing controls",
    )


def lift_agreement(a: Analysis) -> Check:
    if not a.fit.data.lift_tests:
        return Check(
            "Lift tests",
            NOT_RUN,
            "no lift tests were given",
            "experiments are the strongest evidence for ROI: add them with --lift-tests",
        )
    t = lift_table(a.fit, a.ci_prob)
    z = t["z"].abs()
    status = _grade(bool((z > LIFT_REVIEW).any()), bool((z > LIFT_FAIL).any()))
    return Check(
        "Lift tests",
        status,
        f"{len(t)} test(s); largest |model - measured| / sigma = {z.max():.1f}",
        ""
        if status == "pass"
        else "the model and an experiment disagree: check the test's design (spend, "
        "period) and whether the channel's priors leave room for the measured lift",
        [f"{r.lift_test}: z = {r.z:+.1f}" for r in t.itertuples()],
    )


def health_checks(a: Analysis) -> list[Check]:
    """Every check of the health card, in reading order."""
    return [
        *convergence(a),
        goodness_of_fit(a),
        predictive_checks(a),
        holdout_accuracy(a),
        prior_conflicts(a),
        uninformed_channels(a),
        implausible_roi(a),
        negative_baseline(a),
        lift_agreement(a),
    ]
