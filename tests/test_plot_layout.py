"""The figures stay readable on real data: Robyn's sample (outcome in millions, long column
names, four controls, exposure and organic media) and a simulated set with 20 channels of
long names. Every figure is drawn and its text checked: nothing outside the canvas, no two
tick labels of an axis touching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

import bayes_mmm as bm
from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.plots import all_figures
from bayes_mmm.plots.experiments import plot_test_values
from bayes_mmm.plots.ticks import compact


@pytest.fixture(scope="module")
def robyn(robyn_fit) -> bm.Analysis:
    return bm.analyse(robyn_fit)


MANY = (
    "tv radio search_brand search_generic social_meta social_tiktok display video_youtube "
    "ooh print affiliate email podcast ctv influencer sponsorship retail_media audio_streaming "
    "native programmatic"
).split()


@pytest.fixture(scope="module")
def many() -> bm.Analysis:
    channels = [f"{name}_campaign_spend_{i}" for i, name in enumerate(MANY)]
    sim = bm.simulate(n_weeks=209, channels=channels, mean_spend=2e5, seed=1)
    fit = bm.fit(sim.to_data(), sampler="laplace", chains=1, draws=200, seed=3, progress=False)
    return bm.analyse(fit)


def _hidden_ticks(fig: Figure) -> set[int]:
    """Tick labels of ticks outside their axis's view (matplotlib lays them out, never draws)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * (hi - lo)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - slack <= tick.get_loc() <= hi + slack:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return hidden


def layout_problems(name: str, fig: Figure) -> list[str]:
    """Text of ``fig`` cut off by the canvas, and tick labels of one axis that touch."""
    FigureCanvasAgg(fig).draw()
    hidden, box, problems = _hidden_ticks(fig), fig.bbox, []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or id(text) in hidden:
            continue
        b = text.get_window_extent()
        if b.x0 < box.x0 - 1 or b.x1 > box.x1 + 1 or b.y0 < box.y0 - 1 or b.y1 > box.y1 + 1:
            problems.append(f"{name}: {text.get_text()[:40]!r} is cut off")
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_text() and id(t) not in hidden]
            boxes = [t.get_window_extent().padded(1) for t in labels]
            problems += [
                f"{name}: tick labels {a.get_text()!r} and {b.get_text()!r} touch"
                for i, (a, ba) in enumerate(zip(labels, boxes, strict=True))
                for b, bb in zip(labels[i + 1 :], boxes[i + 1 :], strict=True)
                if ba.overlaps(bb)
            ]
    return problems


@pytest.mark.parametrize("case", ["robyn", "many"])
def test_every_figure_fits_its_canvas(case, request):
    figures = all_figures(request.getfixturevalue(case))
    assert {"contributions", "ppc", "response_curves"} <= set(figures)
    problems = [p for name, fig in figures.items() for p in layout_problems(name, fig)]
    assert not problems, "\n".join(problems)


def test_contributions_legend_counts_many_controls(robyn):
    fig = all_figures(robyn)["contributions"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "base (baseline + trend + seasonality + 4 controls)"
    assert labels[1:] == [*robyn.fit.data.channels, "actual"]


def test_organic_response_curve_is_in_exposure(robyn):
    fig = all_figures(robyn)["response_curves"]
    legends = {ax.get_title(): ax.get_legend().get_texts()[0].get_text() for ax in fig.axes
               if ax.get_visible() and ax.get_legend()}  # fmt: skip
    assert legends["newsletter"].startswith("current mean exposure (")
    assert legends["tv_S"].startswith("current mean spend (")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (2_500, "2,500"), (25_000, "25k"), (125_000, "125k"), (999_499, "999k"),
     (999_999, "1M"), (1_500_000, "1.5M"), (-500_000, "-500k"), (1.234e9, "1.23B")],
)  # fmt: skip
def test_compact_tick_labels(value, text):
    assert compact(value) == text


def test_test_values_figure_is_scaled_by_evsi_and_fits(robyn_fit):
    """Costs of +-1M beside values of ~10k (Robyn's scale): the value axis follows the
    values (the diagonal used to set it, flattening every point onto 0)."""
    rng = np.random.default_rng(0)
    n = 25
    cost = rng.uniform(-1e6, 1e6, n)
    evsi = rng.uniform(0, 2e4, n)
    net = evsi - cost
    order = np.argsort(-net)
    table = pd.DataFrame({
        "rank": np.arange(1, n + 1), "design": [f"channel_{i}_spend go_dark 4w" for i in order],
        "cost": cost[order], "cost_lower": cost[order] - 2e5, "cost_upper": cost[order] + 2e5,
        "evsi": evsi[order], "evsi_mc_se": 300.0, "net_value": net[order],
    })  # fmt: skip
    table.attrs["objective"] = "mean"
    fig = plot_test_values(table)
    assert not layout_problems("test_values", fig)
    low, high = fig.axes[0].get_ylim()
    assert low < 0 < 2e4 < high < 3e4


def test_candidates_leave_organic_channels_out(robyn_fit):
    _, table = candidate_tests(robyn_fit)
    assert set(table["channel"]) == set(robyn_fit.data.paid_channels)
    asked = pd.DataFrame({"channel": ["tv_S", "newsletter"], "change": ["go_dark"] * 2,
                          "weeks": [4, 4]})  # fmt: skip
    with pytest.raises(bm.DataValidationError, match=r"rows \[1\] test organic.*newsletter"):
        candidate_tests(robyn_fit, asked)


@pytest.mark.parametrize("n_geos", [4, 40])
def test_geo_ppc_figure_fits_with_few_and_many_long_named_geos(n_geos):
    """The geo PPC figure from given tables (no fit): 4 geos, and 40 (24 shown) whose names
    are as long as a DMA's."""
    from dataclasses import replace
    from types import SimpleNamespace

    from bayes_mmm.plots.geo import plot_geo_ppc

    sim = bm.simulate(n_weeks=104, n_geos=n_geos, channels=("tv", "search"), seed=2)
    frame = sim.frame.assign(geo=sim.frame["geo"] + " Minneapolis-St. Paul-Eau Claire")
    data = replace(sim, frame=frame).to_data()
    rng = np.random.default_rng(0)
    stats = ["mean", "sd", "min", "max", "residual_acf1"]
    ppc = pd.DataFrame([{"geo": g, "statistic": s, "p_value": rng.uniform()}
                        for g in ["national", *data.geos] for s in stats])  # fmt: skip
    y = data.geo_target.sum(axis=0)
    replicates = y + rng.normal(0, y.std(), (100, len(y)))
    fig = plot_geo_ppc(SimpleNamespace(data=data), 0.9, ppc=ppc, replicates=replicates)
    assert len(fig.axes[1].get_yticklabels()) == 1 + min(n_geos, 24)
    assert not layout_problems(f"geo_ppc_{n_geos}", fig)
