"""Shared look and helpers of the analysis figures (colours, bands, grids, date axes)."""

from __future__ import annotations

import math

import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib.figure import Figure

from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.analysis.summary import interval
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D
from bayes_mmm.plots.ticks import NUMBER

BASE_COLOR = "0.75"
OBS_COLOR = "black"
FIT_COLOR = "C0"


def as_analysis(result: MMMFit | Analysis, ci_prob: float) -> Analysis:
    return result if isinstance(result, Analysis) else Analysis(result, ci_prob)


def geo_figure(result, ci_prob: float | None, name: str):
    """The geo counterpart (``bayes_mmm.plots.geo.<name>``) of a national figure drawn for a
    geo fit or a :class:`~bayes_mmm.analysis.geo_overview.GeoAnalysis` (from what it has
    computed), or ``None`` for a national fit or an Analysis (which is national)."""
    from bayes_mmm.analysis.geo_overview import GeoAnalysis
    from bayes_mmm.analysis.scope import is_geo

    if isinstance(result, GeoAnalysis):
        return result.figure(name)
    if isinstance(result, Analysis) or not is_geo(result):
        return None
    from bayes_mmm.analysis.summary import ci
    from bayes_mmm.plots import geo

    return getattr(geo, name)(result, ci(ci_prob))


def pct(a: Analysis) -> str:
    return f"{a.ci_prob:.0%}"


def channel_colors(channels) -> dict[str, tuple]:
    cmap = colormaps["tab10" if len(channels) <= 10 else "tab20"]
    return {c: cmap(i % cmap.N) for i, c in enumerate(channels)}


def band(da: xr.DataArray, ci_prob: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = interval(da, ci_prob)
    return da.mean(D.SAMPLE_DIMS).values, lo.values, hi.values


def grid(n: int, ncols: int = 4, size: tuple[float, float] = (3.6, 2.9)):
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(size[0] * ncols + 0.6, size[1] * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def panel_titles(axes, names, width: float, size: float = 12.0) -> None:
    """Titles of small-multiple panels ``width`` inches wide, one font size for all: shrunk
    from ``size`` points so that the longest name stays inside its panel (~0.6 em/char)."""
    longest = max(len(name) for name in names)
    fontsize = max(6.0, min(size, 0.95 * 72 * width / (0.6 * max(longest, 1))))
    for ax, name in zip(axes, names, strict=True):
        ax.set_title(name, fontsize=fontsize)


def legend_columns(labels, width: float, size: float = 8.3, most: int = 6) -> int:
    """Columns of a legend under a figure ``width`` inches wide whose entries all fit."""
    entry = 0.62 * size * max(len(label) for label in labels) + 40  # text + handle, points
    return max(1, min(most, len(labels), int(72 * width // entry)))


def dates_axis(ax) -> None:
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def outcome_over_time(ax, target_name: str) -> None:
    """Outcome per period (thousands separators) against dates, with a light grid."""
    ax.set_ylabel(f"{target_name} per period")
    ax.yaxis.set_major_formatter(NUMBER)
    dates_axis(ax)
    ax.grid(alpha=0.3)


def err(mean, lower, upper):
    """Error-bar lengths below and above ``mean``: never negative (the posterior mean of a
    skewed posterior, or of few distinct draws, can lie outside its equal-tailed interval)."""
    return np.clip(np.asarray([np.subtract(mean, lower), np.subtract(upper, mean)], float), 0, None)
