"""The content of each report section, as plain data for the template.

Every number comes from the functions that write the CSVs (``Analysis.roi_table`` for
``roi.csv``, ``shares_table`` for ``shares.csv``, ``prior_posterior`` for
``prior_posterior.csv``, ``lift_table``, the budget's ``Allocation``): nothing is computed a
second way here. Rows are lists of dicts with the tables' own column names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from datetime import UTC, datetime
from importlib.metadata import version

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.summary import pairwise_probabilities
from bayes_mmm.budget.allocation import Allocation
from bayes_mmm.experiments.lift import lift_table
from bayes_mmm.htmlreport.health import health_checks, worst
from bayes_mmm.model import dims as D
from bayes_mmm.plots import analysis as plots
from bayes_mmm.plots import budget as budget_plots
from bayes_mmm.plots.lift import plot_lift_tests


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values (NaN kept as ``None``)."""
    return [
        {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        for row in df.to_dict(orient="records")
    ]


def meta(a: Analysis) -> dict:
    return data_meta(a.fit.data, a.ci_prob)


def data_meta(d, ci_prob: float) -> dict:
    """The report's header: outcome, window, channels, interval probability, version."""
    return {
        "target": d.target_name,
        "start": d.dates[0].date().isoformat(),
        "end": d.dates[-1].date().isoformat(),
        "periods": d.n_dates,
        "period": "week" if d.period_days == 7 else "day" if d.period_days == 1 else "period",
        "channels": list(d.channels),
        "ci_prob": ci_prob,
        "version": version("bayes-mmm"),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def headline(a: Analysis) -> dict:
    """Media share with its interval, channels ranked by marginal ROI and the probability
    that the best next dollar beats each other channel's."""
    roi = a.roi_table.sort_values("mroi_mean", ascending=False)
    prob = pairwise_probabilities(a.mroi)
    best = str(roi["channel"].iloc[0])
    versus = [
        {"channel": best, "other": str(c), "p": float(prob.loc[best, str(c)])}
        for c in roi["channel"].iloc[1:]
    ]
    top_roi = a.roi_table.sort_values("roi_mean", ascending=False).iloc[0]
    return {
        "media_share": a.summary()["media_share"],
        "ranked": records(roi),
        "best_mroi": best,
        "versus": versus,
        "best_roi": records(top_roi.to_frame().T)[0],
        "pairwise": {
            "channels": list(prob.columns),
            "rows": [[None if np.isnan(v) else float(v) for v in r] for r in prob.to_numpy()],
        },
    }


def health(a: Analysis) -> dict:
    return health_card(health_checks(a))


def health_card(checks: list) -> dict:
    """The checks with the overall status and the count per status."""
    counts = {s: sum(c.status == s for c in checks) for s in ("pass", "review", "fail")}
    return {"checks": checks, "overall": worst(c.status for c in checks), "counts": counts}


def contributions(a: Analysis) -> dict:
    shares = a.shares_table
    return {"shares": records(shares), "channels": list(a.fit.data.channels)}


def data_summary(a: Analysis) -> dict:
    d = a.fit.data
    spend = pd.DataFrame(d.money_spend, columns=list(d.channels))
    total = spend.sum()
    channels = [
        {
            "channel": c,
            "total": float(total[c]),
            "share": float(total[c] / total.sum()) if total.sum() > 0 else float("nan"),
            "active": int((spend[c] > 0).sum()),
            "mean_active": float(spend[c][spend[c] > 0].mean()) if (spend[c] > 0).any() else 0.0,
            "max": float(spend[c].max()),
        }
        for c in d.channels
    ]
    y = np.asarray(d.target, dtype=float)
    controls = [
        {"control": c, "mean": float(np.mean(v)), "min": float(np.min(v)), "max": float(np.max(v))}
        for c, v in zip(d.control_names, np.asarray(d.controls).T, strict=False)
    ]
    return {
        "channels": channels,
        "target": {"mean": y.mean(), "min": y.min(), "max": y.max(), "total": y.sum()},
        "controls": controls,
        "lift_tests": len(d.lift_tests) if d.lift_tests else 0,
    }


def specification(a: Analysis) -> dict:
    """The spec's fields and every prior (resolved: defaults and overrides) with its central
    interval next to the posterior's, from the ``prior_posterior`` table."""
    fit = a.fit
    skip = ("priors", "channel_priors")
    spec = {f.name: getattr(fit.spec, f.name) for f in fields(fit.spec) if f.name not in skip}
    table = a.prior_posterior
    priors = []
    for name, prior in fit.priors.items():
        if name not in fit.posterior:  # e.g. nu, with a normal likelihood
            continue
        rows = table[table["parameter"] == name]
        per_item = len(rows) > 1 or any(isinstance(v, list) for v in prior.params.values())
        items = list(rows["item"]) if len(rows) else [""]
        for j, item in enumerate(items):
            params = {
                k: (v[j] if isinstance(v, list) and len(v) == len(items) else v)
                for k, v in prior.params.items()
            }
            row = rows[rows["item"] == item]
            priors.append(
                {
                    "parameter": name,
                    "item": item if per_item else "",
                    "prior": prior_text(prior.dist, params),
                    **(records(row.drop(columns=["parameter", "item"]))[0] if len(row) else {}),
                }
            )
    return {"spec": spec, "priors": priors, "diagnostics": fit.diagnostics.to_dict()}


def prior_text(dist: str, params: dict) -> str:
    """``LogNormal(mu=0.0877, sigma=0.85)``: the prior with 4 significant figures."""
    return f"{dist}(" + ", ".join(f"{k}={_short(v)}" for k, v in params.items()) + ")"


def _short(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def budget(alloc: Allocation) -> dict:
    """The recommended plan next to the current one, with the outcome distribution of each."""
    outcome = alloc.outcome.set_index("plan")
    table = records(alloc.national())  # a geo plan's national rows
    return {
        "objective": alloc.objective.label,
        "budget": alloc.budget,
        "horizon": alloc.horizon,
        "p_beats_current": alloc.p_beats_current,
        "table": table,
        "current": records(outcome.loc[["current"]].reset_index())[0],
        "recommended": records(outcome.loc[["recommended"]].reset_index())[0],
        "ci_prob": alloc.outcome.attrs.get("ci_prob", 0.90),
        "success": alloc.success,
        "message": alloc.message,
        "beyond_history": [r["channel"] for r in table if r.get("beyond_history")],
    }


def lift(a: Analysis) -> list[dict] | None:
    return records(lift_table(a.fit, a.ci_prob)) if a.fit.data.lift_tests else None


def figure_names(a: Analysis, alloc: Allocation | None = None) -> list[str]:
    """The names of the report's figures (those of ``plots/*.png`` where they are shared)."""
    names = ["contributions", "roi", "response_curves", "fit", "ppc", "prior_posterior"]
    names += ["holdout"] if a.holdout is not None else []
    names += ["lift_tests"] if a.fit.data.lift_tests else []
    return names + (["allocation", "outcome"] if alloc is not None else [])


def figures(
    a: Analysis, alloc: Allocation | None = None, skip: Collection[str] = ()
) -> dict[str, Figure]:
    """The figures of the report, drawn by the package's plot functions (except those named
    in ``skip``: already drawn, e.g. as ``plots/*.png``)."""
    draw = {
        "contributions": lambda: plots.plot_contributions(a),
        "roi": lambda: plots.plot_roi(a),
        "response_curves": lambda: plots.plot_response_curves(a),
        "fit": lambda: plots.plot_fit(a),
        "ppc": lambda: plots.plot_ppc(a),
        "prior_posterior": lambda: plots.plot_prior_posterior(a),
        "holdout": lambda: plots.plot_holdout(a.holdout, a.ci_prob),
        "lift_tests": lambda: plot_lift_tests(a),
        "allocation": lambda: budget_plots.allocation(alloc),
        "outcome": lambda: budget_plots.outcome_distributions(alloc),
    }
    return {name: draw[name]() for name in figure_names(a, alloc) if name not in skip}


def context(a: Analysis, alloc: Allocation | None = None) -> dict:
    """Everything the template shows, except the figures."""
    return {
        "meta": meta(a),
        "headline": headline(a),
        "health": health(a),
        "roi": records(a.roi_table),
        "contributions": contributions(a),
        "budget": None if alloc is None else budget(alloc),
        "lift": lift(a),
        "data": data_summary(a),
        "model": specification(a),
        "learning_flags": list(a.learning_flags),
        "has_holdout": a.holdout is not None,
        "components": [str(c) for c in a.contributions[D.COMPONENT].values],
    }
