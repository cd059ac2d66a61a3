"""Write a fitted model's outputs to a directory (tables, JSON, plots, model file), each
atomically."""

from __future__ import annotations

import sys
from pathlib import Path

from bayes_mmm.analysis.checks import Holdout
from bayes_mmm.analysis.lift import lift_table
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.params import parameter_summary
from bayes_mmm.fit import MMMFit
from bayes_mmm.htmlreport import write_html_report
from bayes_mmm.io import atomic_path, save, write_csv, write_json

DIAGNOSTIC_KEYS = ("max_r_hat", "min_ess_bulk", "divergences", "steps_per_draw", "sampling_seconds")
PLOT_DPI = 110


def diagnostics_dict(fit: MMMFit) -> dict:
    d = fit.diagnostics.to_dict()
    out = {k: d[k] for k in DIAGNOSTIC_KEYS}
    out.update({k: v for k, v in d.items() if k not in out})
    out["problems"] = fit.diagnostics.problems()
    return out


def _say(msg: str, progress: bool) -> None:
    if progress:
        print(f"[bayes_mmm] {msg}", file=sys.stderr, flush=True)


def write_plots(analysis: Analysis, out_dir: str | Path, progress: bool = True) -> list[Path]:
    """Every figure of :func:`bayes_mmm.plots.all_figures` as ``out_dir/<name>.png``."""
    from bayes_mmm.plots import all_figures

    _say("drawing plots", progress)
    written = []
    for name, fig in all_figures(analysis).items():
        path = Path(out_dir) / f"{name}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=PLOT_DPI)
        written.append(path)
    return written


def write_fit_outputs(
    fit: MMMFit,
    out_dir: str | Path,
    ci_prob: float = 0.90,
    progress: bool = True,
    holdout: Holdout | None = None,
    plots: bool = True,
    html: bool = True,
) -> list[Path]:
    """Write ``summary.csv``, ``roi.csv`` (with marginal ROI), ``contributions.csv``,
    ``shares.csv``, ``response_curves.csv``, ``prior_posterior.csv``, ``fit.json`` (fit
    quality, holdout, what the data could not inform), ``diagnostics.json``, ``model.nc``,
    ``plots/*.png``, ``report.html`` (unless ``html=False``) and, for a fit with lift tests,
    ``lift_tests.csv`` to ``out_dir``."""
    out = Path(out_dir)
    a = Analysis(fit, ci_prob, holdout=holdout)
    _say("analysing the posterior: contributions, ROI, marginal ROI, curves, fit checks", progress)
    written = [
        write_csv(parameter_summary(fit, ci_prob), out / "summary.csv", index=True),
        write_csv(a.roi_table, out / "roi.csv"),
        write_csv(a.contributions_table, out / "contributions.csv"),
        write_csv(a.shares_table, out / "shares.csv"),
        write_csv(a.response_table, out / "response_curves.csv"),
        write_csv(a.prior_posterior, out / "prior_posterior.csv"),
        write_json(a.summary(), out / "fit.json"),
        write_json(diagnostics_dict(fit), out / "diagnostics.json"),
        save(fit, out / "model.nc"),
    ]
    if fit.data.lift_tests:
        written.append(write_csv(lift_table(fit, ci_prob), out / "lift_tests.csv"))
    if plots:
        written += write_plots(a, out / "plots", progress)
    if html:  # the HTML report (bayes_mmm.htmlreport), from the same Analysis
        _say("writing report.html", progress)
        written.append(write_html_report(a, out / "report.html"))
    if progress:
        for p in written:
            print(f"[bayes_mmm] wrote {p}", file=sys.stderr)
        for flag in a.learning_flags:
            print(f"[bayes_mmm] note: {flag}", file=sys.stderr)
    return written
