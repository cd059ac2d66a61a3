"""Every plot function returns a Figure and saves a non-trivial PNG (one Analysis shared)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import bayes_mmm as bm
from bayes_mmm.analysis import draws as predict
from bayes_mmm.export import write_plots
from bayes_mmm.plots import all_figures
from bayes_mmm.plots.analysis import PLOTS as PLOT_NAMES

PLOTS = [
    bm.plot_fit,
    bm.plot_ppc,
    bm.plot_contributions,
    bm.plot_roi,
    bm.plot_response_curves,
    bm.plot_adstock,
    bm.plot_prior_posterior,
]


@pytest.fixture(scope="module")
def analysis(demo_fit) -> bm.Analysis:
    return bm.analyse(demo_fit)


@pytest.fixture(scope="module")
def holdout(demo_fit) -> bm.Holdout:
    data = demo_fit.data
    dates = predict.future_dates(demo_fit, 8)
    new = predict.rows(demo_fit, dates, data.spend[-8:], data.controls[-8:], data.target[-8:])
    return bm.holdout_check(demo_fit, new)


def png_ok(path) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
def test_plot_returns_a_titled_figure_and_saves(plot, analysis, tmp_path):
    fig = plot(analysis)
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes] + [fig.get_suptitle()]
    assert any(titles)
    assert all(ax.has_data() for ax in fig.axes if ax.get_visible())
    path = tmp_path / "figure.png"
    fig.savefig(path, format="png")
    assert png_ok(path)


def test_plots_accept_a_fit_and_name_the_units(demo_fit):
    fig = bm.plot_roi(demo_fit)
    assert fig.axes[0].get_xlabel() == "sales per unit of spend"
    fig = bm.plot_fit(demo_fit, ci_prob=0.8)
    assert "80% predictive interval" in fig.axes[0].get_title()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "actual" in labels


def test_response_curves_mark_current_spend(analysis, demo_fit):
    fig = bm.plot_response_curves(analysis)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in visible] == list(demo_fit.data.channels)
    for ax, spend in zip(visible, demo_fit.data.spend.mean(axis=0), strict=True):
        xs = [line.get_xdata()[0] for line in ax.get_lines() if len(line.get_xdata()) == 1]
        assert np.isclose(xs, spend).any()


def test_holdout_plot_and_all_figures(analysis, holdout, tmp_path):
    fig = bm.plot_holdout(holdout)
    assert "holdout" in fig.axes[0].get_title()
    with_holdout = bm.analyse(analysis.fit, holdout=holdout)
    assert set(all_figures(with_holdout)) == {*PLOT_NAMES, "holdout"}
    paths = write_plots(with_holdout, tmp_path / "plots", progress=False)
    names = sorted(p.name for p in paths)
    assert names == sorted(f"{n}.png" for n in [*PLOT_NAMES, "holdout"])
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == names  # no temp files
    assert all(png_ok(p) for p in paths)
