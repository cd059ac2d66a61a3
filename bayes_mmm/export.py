"""Write a fitted model's outputs to a directory (model file first, then tables, JSON, plots,
each atomically, and the short result table the command line prints."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bayes_mmm.analysis.checks import Holdout
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.params import parameter_summary
from bayes_mmm.data.inputs import cost_per_unit_table, media_inputs_summary
from bayes_mmm.experiments.lift import lift_table
from bayes_mmm.htmlreport import report_context, write_html_report
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.io import atomic_path, save, write_csv, write_json
from bayes_mmm.logs import log
from bayes_mmm.plots.png import PngWriter

DIAGNOSTIC_KEYS = ("max_r_hat", "min_ess_bulk", "divergences", "steps_per_draw", "sampling_seconds")
PLOT_DPI = 110


def diagnostics_dict(fit: MMMFit) -> dict:
    d = fit.diagnostics.to_dict()
    out = {k: d[k] for k in DIAGNOSTIC_KEYS}
    out.update({k: v for k, v in d.items() if k not in out})
    out["problems"] = fit.diagnostics.problems()
    return out


# figures needing the least analysis first: the PNG worker starts on them while the rest
# is computed (roi needs the marginal ROI, the slowest analysis); others in between
DRAW_ORDER = ("response_curves", "adstock", "prior_posterior", "contributions", "fit", "ppc")


def _draw_order(name: str) -> int:
    return DRAW_ORDER.index(name) if name in DRAW_ORDER else len(DRAW_ORDER) + (name == "roi")


def submit_plots(analysis: Analysis, pngs: PngWriter, progress: bool = True) -> list[str]:
    """Make every figure of :func:`bayes_mmm.plots.analysis.figure_makers` and hand it to
    ``pngs`` (drawn there, possibly in its worker process); returns the names in file
    order."""
    from bayes_mmm.plots.analysis import figure_makers

    if progress:
        log.info("drawing plots")
    makers = figure_makers(analysis)
    for name in sorted(makers, key=_draw_order):
        pngs.submit(name, makers[name]())
    return list(makers)


def save_plots(
    names: list[str], pngs: PngWriter, out_dir: str | Path, images: dict | None = None
) -> list[Path]:
    """The PNGs of ``pngs`` as ``out_dir/<name>.png``. ``images``, when given, receives each
    figure's PNG bytes and size in inches by name (the HTML report embeds them instead of
    drawing the figures again)."""
    data = pngs.results()
    written = []
    for name in names:
        path = Path(out_dir) / f"{name}.png"
        with atomic_path(path) as tmp:
            Path(tmp).write_bytes(data[name])
        if images is not None:
            images[name] = (data[name], pngs.size_inches(name))
        written.append(path)
    return written


def write_plots(
    analysis: Analysis, out_dir: str | Path, progress: bool = True, images: dict | None = None
) -> list[Path]:
    """Every figure of :func:`bayes_mmm.plots.all_figures` as ``out_dir/<name>.png`` (see
    :func:`save_plots` for ``images``)."""
    with PngWriter(PLOT_DPI) as pngs:
        names = submit_plots(analysis, pngs, progress)
        return save_plots(names, pngs, out_dir, images)


def _fit_json(a: Analysis) -> dict:
    """``fit.json``: fit quality, and how the data were read (categorical controls' reference
    levels, period numbers)."""
    out = a.summary()
    data = a.fit.data
    out["data"] = {"date_column": data.date_name, "target": data.target_name}
    if data.categorical:
        out["data"]["categorical_controls"] = {k: dict(v) for k, v in data.categorical.items()}
    if data.periods:
        out["data"]["periods"] = dict(data.periods)
    out["data"].update(media_inputs_summary(data))
    return out


def _with_periods(table: pd.DataFrame, fit: MMMFit) -> pd.DataFrame:
    """With period numbers as the time index, a ``period`` column next to the dates."""
    periods = fit.data.periods
    if not periods:
        return table
    step = pd.Timedelta(days=fit.data.period_days)
    start = pd.Timestamp(periods["start"])
    number = ((pd.to_datetime(table["date"]) - start) / step).round().astype(int)
    table = table.copy()
    table.insert(1, "period", number + int(periods["first"]))
    return table


def result_table(a: Analysis) -> str:
    """A few lines for the terminal: ROI and marginal ROI per channel with intervals, and
    the sampler's diagnostics."""
    roi = a.roi_table
    pct = f"{a.ci_prob:.0%}"
    rows = [("channel", "ROI", f"{pct} interval", "marginal ROI", f"{pct} interval")]
    for r in roi.itertuples(index=False):
        if r.channel in a.fit.data.organic:
            rows.append((str(r.channel), "organic", "no spend, no ROI", "", ""))
            continue
        rows.append(
            (
                str(r.channel),
                f"{r.roi_mean:.3g}",
                f"[{r.roi_lower:.3g}, {r.roi_upper:.3g}]",
                f"{r.mroi_mean:.3g}",
                f"[{r.mroi_lower:.3g}, {r.mroi_upper:.3g}]",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    unit = a.fit.data.target_name
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"(ROI: {unit} per unit of spend over the data; marginal: of the next unit)")
    lines.append(f"diagnostics: {a.fit.diagnostics}")
    if a.fit.diagnostics.problems():
        lines.append(f"({len(a.fit.diagnostics.problems())} warning(s) above; diagnostics.json)")
    return "\n".join(lines)


def write_fit_outputs(
    fit: MMMFit,
    out_dir: str | Path,
    ci_prob: float | None = None,
    progress: bool = True,
    holdout: Holdout | None = None,
    plots: bool = True,
    analysis: Analysis | None = None,
    html: bool = True,
    plan: dict | None = None,
) -> list[Path]:
    """Write ``model.nc`` (first), ``summary.csv``, ``roi.csv`` (with marginal ROI),
    ``contributions.csv``, ``shares.csv``, ``response_curves.csv``, ``prior_posterior.csv``,
    ``fit.json`` (fit quality, holdout, what the data could not inform, how the data were
    read), ``diagnostics.json``, ``plots/*.png``, ``report.html`` (unless ``html=False``; with
    a budget plan when ``plan`` gives ``budget``/``objective``/``horizon``),
    for a fit with lift tests ``lift_tests.csv``, and for one with media given as exposure
    ``cost_per_unit.csv`` (per quarter) to ``out_dir``. ``analysis``: an
    :class:`Analysis` of ``fit`` to reuse.
    """
    out = Path(out_dir)
    with PngWriter(PLOT_DPI, parallel=None if plots else False) as pngs:  # worker starts now
        written = [save(fit, out / "model.nc")]  # first: the fit survives a failure below
        a = analysis or Analysis(fit, ci_prob, holdout=holdout)
        names = submit_plots(a, pngs, progress) if plots else []  # drawn while tables follow
        written += _write_tables(a, out, progress)
        # the report's tables and cards while the worker draws (with a plan: made with it)
        context = _context_ahead(a) if html and not plan else None
        images: dict = {}  # each figure drawn once: plots/*.png and the report share the PNGs
        if plots:
            written += save_plots(names, pngs, out / "plots", images=images)
    if html:  # the HTML report (bayes_mmm.htmlreport), from the same Analysis
        if progress:
            log.info("writing report.html")
        page = write_html_report(
            a, out / "report.html", images=images, context=context, **(plan or {})
        )
        written.append(page)
    return written


def _context_ahead(a: Analysis) -> dict | None:
    """The report's context, made while the PNG worker draws; on any error ``None``: the
    report then makes it again after the PNGs are saved, so an error there (raised then, as
    before) never costs the plots."""
    try:
        return report_context(a)
    except Exception:  # re-raised by the report itself, after the PNGs
        log.debug("report context failed ahead of the PNGs; made again after them")
        return None


def _write_tables(a: Analysis, out: Path, progress: bool) -> list[Path]:
    """The CSV and JSON files of :func:`write_fit_outputs`."""
    fit = a.fit
    if progress:
        log.info("analysing the posterior: contributions, ROI, marginal ROI, curves, fit checks")
    written = [
        write_csv(parameter_summary(fit, a.ci_prob), out / "summary.csv", index=True),
        write_csv(a.roi_table, out / "roi.csv"),
        write_csv(_with_periods(a.contributions_table, fit), out / "contributions.csv"),
        write_csv(a.shares_table, out / "shares.csv"),
        write_csv(a.response_table, out / "response_curves.csv"),
        write_csv(a.prior_posterior, out / "prior_posterior.csv"),
        write_json(_fit_json(a), out / "fit.json"),
        write_json(diagnostics_dict(fit), out / "diagnostics.json"),
    ]
    if fit.data.lift_tests:
        written.append(write_csv(lift_table(fit, a.ci_prob), out / "lift_tests.csv"))
    if fit.data.cost_per_unit:
        written.append(write_csv(cost_per_unit_table(fit.data), out / "cost_per_unit.csv"))
    return written
