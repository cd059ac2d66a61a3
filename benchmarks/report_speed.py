"""How long the HTML report of the demo takes to write once the analysis is done, and what it
looks like in a real browser.

Fits the bundled demo with the CLI's defaults (4 chains x 1000 draws; not part of the timing),
computes the analysis the CLI computes (tables of roi.csv, shares.csv, contributions.csv,
response_curves.csv, prior_posterior.csv, fit.json), then times ``bm.report`` by phase:
sections (health card and tables), figures drawn, figures encoded as PNG, template rendered and
file written; with and without a budget plan (the optimizer itself is timed apart). Then opens
the report in headless Chromium and saves screenshots of the first screen and the health card,
and the health card of a deliberately bad fit (30 draws, a contradicted ROI prior).

    .venv/bin/python benchmarks/report_speed.py [--repeat 3] [--out benchmarks/results/report]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

import bayes_mmm as bm
from bayes_mmm.htmlreport import render, sections
from bayes_mmm.htmlreport.browser import Browser, find_chromium
from bayes_mmm.io import write_atomic


def quiet_fit(data, spec=None, **kw) -> bm.MMMFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, spec, progress=False, **kw)


def analysed(fit: bm.MMMFit) -> bm.Analysis:
    """The analysis the CLI's outputs need, computed before the report is timed."""
    a = bm.analyse(fit)
    for name in (
        "roi_table",
        "shares_table",
        "contributions_table",
        "response_table",
        "prior_posterior",
        "learning_flags",
        "fit_quality",
        "ppc",
    ):
        getattr(a, name)
    return a


def timed_report(a: bm.Analysis, path: Path, alloc=None) -> dict[str, float]:
    """The steps of ``bayes_mmm.htmlreport.html`` + the write, each timed."""
    t = {}
    start = time.perf_counter()
    ctx = sections.context(a, alloc)
    t["sections (health card, tables)"] = time.perf_counter() - start
    mark = time.perf_counter()
    figs = sections.figures(a, alloc)
    t["figures drawn"] = time.perf_counter() - mark
    mark = time.perf_counter()
    images = {k: render.png(f) for k, f in figs.items()}
    t["figures encoded (PNG, base64)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    text = render.render("report.html.j2", title="Media mix model: sales", figures=images, **ctx)
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    t["template rendered + written"] = time.perf_counter() - mark
    t["total"] = time.perf_counter() - start
    return t


def screenshots(out: Path, report: Path, bad_report: Path) -> list[str]:
    if find_chromium() is None:
        return ["no Chromium found: screenshots skipped"]
    notes = []
    with Browser() as b:
        b.open(report)
        notes.append(f"console errors: {len(b.errors)}")
        widths = b.evaluate("[...document.images].map(i => i.naturalWidth)")
        notes.append(f"images: {len(widths)}, all decoded: {all(w > 0 for w in widths)}")
        b.screenshot(out / "first_screen.png")
        b.screenshot(out / "health_card.png", "#health")
        b.screenshot(out / "budget.png", "#budget")
        pdf = b.pdf(out / "demo_report.pdf")
        pages = pdf.read_bytes().count(b"/Type /Page") - pdf.read_bytes().count(b"/Type /Pages")
        notes.append(
            f"printed to PDF (A4, print CSS): {pages} pages, {pdf.stat().st_size / 1e6:.1f} MB"
        )
        pdf.unlink()
        b.open(bad_report)
        b.screenshot(out / "health_card_bad_fit.png", "#health")
        notes.append(f"bad fit report console errors: {len(b.errors)}")
    return notes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/report"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data, _ = bm.load_demo()
    t0 = time.perf_counter()
    fit = quiet_fit(data, seed=0)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    a = analysed(fit)
    analysis_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    alloc = bm.budget.optimize(fit, 13)
    optimize_s = time.perf_counter() - t0
    runs = {"without plan": [], "with a 13-week plan": []}
    for _ in range(args.repeat):
        runs["without plan"].append(timed_report(a, args.out / "demo_report.html"))
        runs["with a 13-week plan"].append(
            timed_report(a, args.out / "demo_report_plan.html", alloc)
        )
    t0 = time.perf_counter()
    bm.report(fit, args.out / "demo_report_cold.html")
    cold_s = time.perf_counter() - t0
    os.remove(args.out / "demo_report_cold.html")
    tight = bm.Prior("LogNormal", mu=float(np.log(0.2)), sigma=0.15)
    bad = quiet_fit(
        data,
        bm.ModelSpec(channel_priors={"tv": {"roi": tight}}),
        chains=2,
        draws=30,
        tune=40,
        seed=1,
    )
    bad_path = bm.report(bad, args.out / "bad_fit_report.html")
    notes = screenshots(args.out, args.out / "demo_report_plan.html", bad_path)
    os.remove(bad_path)
    lines = [
        "# Time to write the HTML report of the demo (issue 17)",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}. Demo: {data.n_dates} weeks x {len(data.channels)} channels; "
        f"fit 4 chains x 1000 draws in {fit_s:.1f} s ({fit.diagnostics}).",
        f"Analysis before the report (the CLI's tables): {analysis_s:.2f} s. "
        f"Optimizer for the plan: {optimize_s:.2f} s. Median of {args.repeat} runs "
        f"(reproduce: `.venv/bin/python benchmarks/report_speed.py`).",
        "",
        "| phase | " + " | ".join(runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for phase in runs["without plan"][0]:
        cells = [f"{statistics.median(r[phase] for r in rs):.2f} s" for rs in runs.values()]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    size = (args.out / "demo_report_plan.html").stat().st_size / 1e6
    lines += [
        "",
        f"- `bm.report(fit, path)` from a bare fit (the analysis computed inside): {cold_s:.2f} s.",
        f"- File size with the plan: {size:.2f} MB (figures embedded).",
        *[f"- Chromium: {n}" for n in notes],
        "- Screenshots: `first_screen.png`, `health_card.png`, `budget.png` (demo with plan), "
        "`health_card_bad_fit.png` (2 x 30 draws, tv ROI prior LogNormal(log 0.2, 0.15) "
        "against a true 1.4).",
    ]
    os.remove(args.out / "demo_report.html")
    (args.out / "report_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
