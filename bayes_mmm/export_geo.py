"""Outputs of a geo fit: the model file, the parameter summary and prior vs posterior tables,
ROI and marginal ROI and contributions per geo with national rows, response curves per geo
and nationally, diagnostics and plots (national plus small multiples of the geos).

With a plan (:class:`~bayes_mmm.budget.geo_allocation.GeoAllocation`, from ``optimize`` or
``report --budget``) the report has the budget section and its two figures; with lift tests,
their section and ``plots/lift_tests.png``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bayes_mmm.analysis.geo_overview import GeoAnalysis
from bayes_mmm.analysis.params import parameter_summary
from bayes_mmm.analysis.summary import ci
from bayes_mmm.data.inputs import media_inputs_summary
from bayes_mmm.export import PLOT_DPI, diagnostics_dict
from bayes_mmm.io import atomic_path, save, write_atomic, write_csv, write_json
from bayes_mmm.logs import log
from bayes_mmm.model import dims as D


def geo_result_table(roi_csv: Path) -> str:
    """National ROI and marginal ROI per channel (from a written ``roi.csv``), for the
    terminal."""
    roi = pd.read_csv(roi_csv)
    nat = roi[roi[D.GEO] == "national"]
    revenue = "revenue_roi_mean" in nat.columns
    lines = ["channel  ROI (national)  interval  marginal ROI  interval"
             + ("  revenue ROI  interval" if revenue else "")]  # fmt: skip
    for r in nat.itertuples(index=False):
        if pd.isna(r.roi_mean):
            lines.append(f"{r.channel}  organic or no spend: no ROI")
            continue
        line = (f"{r.channel}  {r.roi_mean:.3g}  [{r.roi_lower:.3g}, {r.roi_upper:.3g}]  "
                f"{r.mroi_mean:.3g}  [{r.mroi_lower:.3g}, {r.mroi_upper:.3g}]")  # fmt: skip
        if revenue:
            line += (f"  {r.revenue_roi_mean:.3g}  [{r.revenue_roi_lower:.3g}, "
                     f"{r.revenue_roi_upper:.3g}]")  # fmt: skip
        lines.append(line)
    return "\n".join(lines)


def write_geo_outputs(fit, out_dir: str | Path, ci_prob: float | None = None,
                      progress: bool = True, plots: bool = True, report: bool = True,
                      allocation=None, holdout=None) -> list[Path]:  # fmt: skip
    """Write ``model.nc`` (first), ``summary.csv``, ``prior_posterior.csv``, ``roi.csv`` (with
    marginal ROI), ``contributions.csv``, ``shares.csv`` and
    ``response_curves.csv`` (a ``geo`` column, national rows first), ``fit.json``,
    ``diagnostics.json``, ``lift_tests.csv`` (with lift tests), the figures (``plots/``:
    national contributions, fit, ROI and response curves per geo, the posterior predictive
    check, prior vs posterior; lift tests; with an ``allocation``, its allocation and outcome
    figures; with a ``holdout`` (:class:`~bayes_mmm.analysis.geo_holdout.GeoHoldout`), its
    forecast, and its scores per geo in ``fit.json``) and ``report.html`` (its figures those
    PNGs) to ``out_dir``."""
    out, prob = Path(out_dir), ci(ci_prob)
    written = [save(fit, out / "model.nc")]
    if progress:
        log.info("analysing the posterior per geo: contributions, ROI, marginal ROI and "
                 "response curves (%d geos)", fit.data.n_geos)  # fmt: skip
    a = GeoAnalysis(fit, prob, holdout)  # contributions once: summaries, ROI's sums, fit checks
    roi, quality_table, ppc = a.roi_table, a.fit_quality, a.ppc
    written += [
        write_csv(parameter_summary(fit, prob), out / "summary.csv", index=True),
        write_csv(a.prior_posterior, out / "prior_posterior.csv"),
        write_csv(roi, out / "roi.csv"),
        write_csv(a.contributions_table, out / "contributions.csv"),
        write_csv(a.shares_table, out / "shares.csv"),
        write_csv(a.response_table, out / "response_curves.csv"),
        write_json(
            {
                "geos": list(fit.data.geos),
                "geo_column": fit.data.geo_name,
                "ci_prob": prob,
                "quality": quality_table.to_dict("records"),
                "ppc": ppc.to_dict("records"),
                **({} if holdout is None else {"holdout": _holdout_json(holdout)}),
                **media_inputs_summary(fit.data),
            },
            out / "fit.json",
        ),
        write_json(diagnostics_dict(fit), out / "diagnostics.json"),
    ]
    if fit.data.lift_tests:
        from bayes_mmm.experiments.lift import lift_table

        written.append(write_csv(lift_table(fit, prob), out / "lift_tests.csv"))
    images = _write_plots(a, out, allocation, holdout) if plots else {}
    written += [out / "plots" / f"{name}.png" for name in images]
    if report:
        from bayes_mmm.htmlreport.geo import geo_html

        checked = (quality_table, ppc)
        text = geo_html(fit, roi, a.shares, checked, prob, images, allocation, holdout)
        written.append(write_atomic(out / "report.html", lambda p: p.write_text(text, "utf-8")))
    return written


def _holdout_json(holdout) -> dict:
    """The holdout's scores: the national row (with the weeks) and one row per geo."""
    return {**holdout.metrics, "geos": holdout.table.iloc[1:].to_dict("records")}


def _write_plots(a, out: Path, allocation=None, holdout=None) -> dict[str, tuple]:
    """Draw and save the geo figures from what the :class:`GeoAnalysis` ``a`` computed (and
    the ``allocation``'s and ``holdout``'s, if any); returns name -> (PNG bytes, size in
    inches)."""
    from bayes_mmm.plots import budget as budget_plots
    from bayes_mmm.plots.curves import plot_prior_posterior

    fit, prob = a.fit, a.ci_prob
    figures = {
        "contributions": a.figure("plot_geo_contributions"),
        "geo_fit": a.figure("plot_geo_fit"),
        "ppc": a.figure("plot_geo_ppc"),
        "geo_roi": a.figure("plot_geo_roi"),
        "geo_response_curves": a.figure("plot_geo_response_curves"),
        "prior_posterior": plot_prior_posterior(fit, prob),
    }
    if fit.data.lift_tests:
        from bayes_mmm.plots.lift import plot_lift_tests

        figures["lift_tests"] = plot_lift_tests(fit, prob)
    if holdout is not None:
        from bayes_mmm.plots.geo_holdout import plot_geo_holdout

        figures["holdout"] = plot_geo_holdout(holdout)
    if allocation is not None:
        figures["allocation"] = budget_plots.allocation(allocation)
        figures["outcome"] = budget_plots.outcome_distributions(allocation)
    images = {}
    for name, fig in figures.items():
        path = out / "plots" / f"{name}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=PLOT_DPI)
        images[name] = (path.read_bytes(), tuple(fig.get_size_inches()))
    return images


def write_geo_report(fit, path: str | Path, ci_prob: float | None = None, allocation=None,
                     progress: bool = False, holdout=None) -> Path:  # fmt: skip
    """Only ``report.html`` of a geo fit at ``path`` (made with every output in a temporary
    folder: the report embeds their figures), with ``allocation``'s plan and the
    ``holdout``'s section if given."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_geo_outputs(
            fit, tmp, ci_prob, progress=progress, allocation=allocation, holdout=holdout
        )
        return write_atomic(path, lambda p: shutil.copyfile(Path(tmp) / "report.html", p))


def geo_plan(fit, budget: float | None = None, objective: str | None = None,
             horizon: int | None = None, ci_prob: float | None = None):  # fmt: skip
    """The plan a geo report shows: :func:`~bayes_mmm.budget.geo.optimize_geo` of the
    channels' national totals over ``horizon`` periods (default: a quarter) for
    ``objective`` (default: the mean), as :func:`bayes_mmm.htmlreport.plan` does nationally."""
    from bayes_mmm.budget.geo import optimize_geo
    from bayes_mmm.htmlreport import DEFAULT_HORIZON_DAYS

    if horizon is None:
        horizon = max(1, round(DEFAULT_HORIZON_DAYS / fit.data.period_days))
    return optimize_geo(fit, horizon, budget, objective=objective or "mean", ci_prob=ci_prob)
