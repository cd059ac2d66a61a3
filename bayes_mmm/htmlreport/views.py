"""Rich ``_repr_html_`` views for Jupyter: compact tables with intervals, not raw reprs.

The classes call these lazily (``MMMFit._repr_html_`` imports this module on first display),
so nothing here is imported with the package.
"""

from __future__ import annotations

from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.budget.allocation import Allocation
from bayes_mmm.htmlreport.health import convergence, health_checks, worst
from bayes_mmm.htmlreport.render import percent, render
from bayes_mmm.htmlreport.sections import prior_text, records
from bayes_mmm.inference.fit import MMMFit


def _describe(fit: MMMFit) -> str:
    d = fit.data
    unit = "weeks" if d.period_days == 7 else "days" if d.period_days == 1 else "periods"
    controls = f", controls {', '.join(d.control_names)}" if d.control_names else ""
    return (
        f"{d.target_name}: {d.n_dates} {unit} ({d.dates[0].date()} to {d.dates[-1].date()}), "
        f"channels {', '.join(d.channels)}{controls}"
    )


def fit_html(fit: MMMFit) -> str:
    """The data, the sampler's health and every prior of a fit."""
    checks = convergence(Analysis(fit))
    return render(
        "views.html.j2",
        heading=f"MMMFit — sampler health: {worst(c.status for c in checks).upper()}",
        subheading=_describe(fit) + f"; {fit.diagnostics}",
        checks=checks,
        roi=None,
        priors={k: prior_text(p.dist, p.params) for k, p in fit.priors.items()},
        plan=None,
        footer="bm.analyse(fit) for ROI and marginal ROI with intervals; "
        "bm.report(fit, 'report.html') for the full report",
    )


def analysis_html(a: Analysis) -> str:
    """Media share, ROI and marginal ROI with intervals, and the health card."""
    checks = health_checks(a)
    share = a.summary()["media_share"]
    return render(
        "views.html.j2",
        heading=f"Analysis — model health: {worst(c.status for c in checks).upper()}",
        subheading=f"{_describe(a.fit)}. Media drove {percent(share['mean'])} of "
        f"{a.fit.data.target_name} ({percent(share['lower'])} to {percent(share['upper'])}); "
        f"means with {percent(a.ci_prob)} intervals",
        checks=checks,
        roi=records(a.roi_table),
        priors=None,
        plan=None,
        footer="bm.report(analysis, 'report.html') for the full report",
    )


def allocation_html(alloc: Allocation) -> str:
    """The recommended plan next to the current one, with P(recommended beats current)."""
    return render(
        "views.html.j2",
        heading=f"Allocation — P(recommended beats current) = {alloc.p_beats_current:.2f}",
        subheading=f"maximising {alloc.objective.label}; budget {alloc.budget:,.0f} over "
        f"{alloc.horizon} periods; means with "
        f"{percent(alloc.outcome.attrs.get('ci_prob', 0.90))} intervals",
        checks=None,
        roi=None,
        priors=None,
        plan=records(alloc.table),
        outcome=records(alloc.outcome),
        footer="" if alloc.success else f"the optimizer did not report success: {alloc.message}",
    )
