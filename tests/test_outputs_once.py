"""Each figure of a fit's outputs is drawn once (issue 19): ``report.html`` embeds the very
PNGs written as ``plots/*.png`` instead of drawing the figures again."""

from __future__ import annotations

import base64

from bayes_mmm.export import write_fit_outputs
from bayes_mmm.htmlreport import sections


def test_report_embeds_the_plot_files_without_drawing_again(demo_fit, tmp_path, monkeypatch):
    def no_second_drawing(*args, **kwargs):
        raise AssertionError("the report drew a figure the plots had drawn")

    for name in ("plot_contributions", "plot_roi", "plot_response_curves", "plot_fit"):
        monkeypatch.setattr(sections.plots, name, no_second_drawing)
    for name in ("plot_ppc", "plot_prior_posterior"):
        monkeypatch.setattr(sections.plots, name, no_second_drawing)
    write_fit_outputs(demo_fit, tmp_path, progress=False)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    for name in ("contributions", "roi", "response_curves", "fit", "ppc", "prior_posterior"):
        png = base64.b64encode((tmp_path / "plots" / f"{name}.png").read_bytes()).decode()
        assert f"data:image/png;base64,{png}" in page, name


def test_report_alone_still_draws_its_figures(demo_fit, tmp_path):
    write_fit_outputs(demo_fit, tmp_path, progress=False, plots=False)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "plots").exists()
    assert page.count("data:image/png;base64,") >= 6
