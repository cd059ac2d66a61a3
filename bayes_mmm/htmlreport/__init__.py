"""The HTML report for the people who decide the budget: headline, model health card,
contributions, ROI and marginal ROI, response curves, budget recommendation, lift tests, data
and model specification, in one self-contained file (figures embedded, CSS inline).

``bm.report(fit_or_analysis, "report.html")`` in Python; :func:`write_html_report` is what the
command line calls. Rich ``_repr_html_`` views for Jupyter are in :mod:`.views`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

from bayes_mmm.analysis.checks import Holdout
from bayes_mmm.analysis.geo_overview import GeoAnalysis
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.scope import is_geo
from bayes_mmm.budget.allocation import Allocation
from bayes_mmm.htmlreport import render, sections
from bayes_mmm.htmlreport.health import Check, health_checks
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.io import write_atomic

log = logging.getLogger(__name__)

DEFAULT_HORIZON_DAYS = 91  # a plan made for the report without a horizon covers a quarter

__all__ = ["Check", "health_checks", "html", "report", "write_html_report"]


def _analysis(
    result: MMMFit | Analysis, ci_prob: float | None, holdout: Holdout | None
) -> Analysis:
    if isinstance(result, Analysis):
        if holdout is not None and result.holdout is None:
            result.holdout = holdout
        return result
    if isinstance(result, MMMFit):
        return Analysis(result, ci_prob, holdout=holdout)
    raise TypeError(f"report() takes an MMMFit or an Analysis, got {type(result).__name__}")


def plan(
    fit: MMMFit,
    budget: float | None = None,
    objective: str | None = None,
    horizon: int | None = None,
    ci_prob: float | None = None,
) -> Allocation:
    """The budget recommendation shown in the report: :func:`bayes_mmm.budget.optimize` over
    ``horizon`` periods (default: a quarter) for ``objective`` (default: the mean)."""
    from bayes_mmm.budget.optimize import optimize

    if horizon is None:
        horizon = max(1, round(DEFAULT_HORIZON_DAYS / fit.data.period_days))
    return optimize(fit, horizon, budget, objective=objective or "mean", ci_prob=ci_prob)


def html(
    result: MMMFit | Analysis,
    *,
    allocation: Allocation | None = None,
    title: str | None = None,
    ci_prob: float | None = None,
    holdout: Holdout | None = None,
    images: Mapping[str, tuple[bytes, tuple[float, float]]] | None = None,
    context: dict | None = None,
) -> str:
    """The report as an HTML string (see :func:`report`). ``images``: figures already drawn,
    by name, as PNG bytes and the figure's size in inches (the ``plots/*.png`` files: each
    figure is drawn once). ``context``: :func:`report_context` of the same analysis and
    allocation, when already made."""
    a = _analysis(result, ci_prob, holdout)
    ctx = context if context is not None else sections.context(a, allocation)
    images = {k: v for k, v in (images or {}).items() if k in sections.figure_names(a, allocation)}
    drawn = sections.figures(a, allocation, skip=images)
    figs = {name: render.png(fig) for name, fig in drawn.items()}
    figs.update({name: render.png_image(data, size) for name, (data, size) in images.items()})
    title = title or f"Media mix model: {a.fit.data.target_name}"
    return render.render("report.html.j2", title=title, figures=figs, **ctx)


def report_context(a: Analysis, allocation: Allocation | None = None) -> dict:
    """Everything the report shows but its figures (``write_fit_outputs`` makes it while its
    PNG worker draws, then passes it as ``context``)."""
    return sections.context(a, allocation)


def report(
    result: MMMFit | Analysis,
    path: str | Path,
    *,
    allocation: Allocation | None = None,
    budget: float | None = None,
    objective: str | None = None,
    horizon: int | None = None,
    title: str | None = None,
    ci_prob: float | None = None,
    holdout: Holdout | None = None,
    images: Mapping[str, tuple[bytes, tuple[float, float]]] | None = None,
    context: dict | None = None,
) -> Path:
    """Write the HTML report of a fit (or of an :class:`~bayes_mmm.Analysis`, reusing its
    computed draws) to ``path``; returns the path. ``images``: figures already drawn (see
    :func:`html`).

    ``allocation`` (from :func:`bayes_mmm.budget.optimize`) adds the budget recommendation;
    so does any of ``budget``, ``objective``, ``horizon``, which make one here. ``holdout``
    (from :func:`bayes_mmm.holdout`) adds the out-of-time check to the health card.
    """
    if isinstance(result, GeoAnalysis):
        holdout = result.holdout if holdout is None else holdout
        result, ci_prob = result.fit, result.ci_prob if ci_prob is None else ci_prob
    if isinstance(result, MMMFit) and is_geo(result):  # the geo report (bayes_mmm.export_geo)
        plan_args = (budget, objective, horizon)
        return _geo_report(result, path, allocation, plan_args, ci_prob, holdout)
    a = _analysis(result, ci_prob, holdout)
    if allocation is None and (budget, objective, horizon) != (None, None, None):
        allocation = plan(a.fit, budget, objective, horizon, a.ci_prob)
    start = time.perf_counter()
    text = html(a, allocation=allocation, title=title, images=images, context=context)
    out = write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    log.info("wrote %s (%.1f s)", Path(out).name, time.perf_counter() - start)
    return out


def _geo_report(fit: MMMFit, path, allocation, plan_args: tuple, ci_prob, holdout=None) -> Path:
    """A geo fit's report.html, with ``allocation`` or a plan made from ``plan_args``, and
    the ``holdout``'s section if given."""
    from bayes_mmm.export_geo import geo_plan, write_geo_report

    if allocation is None and plan_args != (None, None, None):
        allocation = geo_plan(fit, *plan_args, ci_prob=ci_prob)
    out = write_geo_report(fit, path, ci_prob, allocation, holdout=holdout)
    log.info("wrote %s", Path(out).name)
    return out


def write_html_report(
    fit_or_analysis: MMMFit | Analysis,
    path: str | Path,
    budget: float | None = None,
    objective: str | None = None,
    horizon: int | None = None,
    *,
    allocation: Allocation | None = None,
    ci_prob: float | None = None,
    holdout: Holdout | None = None,
    images: Mapping[str, tuple[bytes, tuple[float, float]]] | None = None,
    context: dict | None = None,
) -> Path:
    """The command line's entry: ``fit`` and ``report`` write ``report.html`` with it (a plan
    is included when ``budget``, ``objective`` or ``horizon`` is given), ``optimize`` passes
    its ``allocation``. Written atomically (a temporary file renamed when complete)."""
    return report(
        fit_or_analysis,
        path,
        allocation=allocation,
        budget=budget,
        objective=objective,
        horizon=horizon,
        ci_prob=ci_prob,
        holdout=holdout,
        images=images,
        context=context,
    )
