"""The out-of-time holdout of a geo fit: the forecast of the held-out weeks against the
observed outcome, nationally (the sum over geos) and in small multiples of the geos."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bayes_mmm.analysis.geo_holdout import GeoHoldout
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.model import dims as D
from bayes_mmm.plots.style import OBS_COLOR, grid, outcome_over_time

FORECAST_COLOR = "C3"


def plot_geo_holdout(holdout: GeoHoldout, context: int | None = None,
                     max_geos: int = 24) -> Figure:  # fmt: skip
    """The forecast of each geo's held-out weeks (mean, its interval and the predictive
    interval) after the observed last ``context`` training weeks (default: max(26, 2 x held
    out)): the national total first (larger title), then the ``max_geos`` largest geos, each
    titled with its coverage and MAPE."""
    train, test, bands = holdout.train_fit.data, holdout.test, holdout.bands
    context = min(train.n_dates, context or max(26, 2 * test.n_dates))
    order = np.argsort(-test.geo_target.sum(axis=1))[:max_geos]
    rows = holdout.table.set_index(D.GEO)
    panels = [(NATIONAL, train.target, test.target)] + [
        (test.geos[i], train.geo_target[i], test.geo_target[i]) for i in order
    ]
    panels = panels[1:] if test.n_geos == 1 else panels  # one geo: it is the total
    prob = float(rows["ci_prob"].iloc[0])
    fig, axes = grid(len(panels), ncols=4)
    cut = train.dates[-1] + (test.dates[0] - train.dates[-1]) / 2
    for ax, (geo, before, after) in zip(axes, panels, strict=True):
        cell = bands.sel({D.GEO: geo})
        ax.fill_between(test.dates, cell["lower"], cell["upper"], color=FORECAST_COLOR,
                        alpha=0.15, lw=0, label=f"{prob:.0%} predictive interval")  # fmt: skip
        ax.fill_between(test.dates, cell["mean_lower"], cell["mean_upper"], color=FORECAST_COLOR,
                        alpha=0.4, lw=0, label=f"{prob:.0%} interval of the mean")  # fmt: skip
        ax.plot(test.dates, cell["mean"], color=FORECAST_COLOR, lw=1.2, label="forecast")
        dates = train.dates[-context:].append(test.dates)
        actual = np.concatenate([before[-context:], after])
        ax.plot(dates, actual, color=OBS_COLOR, lw=0.7, marker="o", ms=1.5, label="actual")
        ax.axvline(cut, color="0.3", ls="--", lw=0.8)
        row = rows.loc[geo]
        ax.set_title(f"{geo}: {row.coverage:.0%} inside, MAPE {row.mape:.1%}", fontsize=9,
                     fontweight="bold" if geo == NATIONAL else None)  # fmt: skip
        outcome_over_time(ax, train.target_name)
    m = holdout.metrics
    shown = "" if len(order) == test.n_geos else f" (the {len(order)} largest geos shown)"
    fig.suptitle(
        f"Out-of-time holdout: last {m['weeks']} periods of every geo forecast from the first "
        f"{m['train_weeks']}{shown}\nin each title: the share of held-out weeks inside the "
        f"{prob:.0%} predictive interval, and the MAPE of the forecast mean"
    )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize="small",
               frameon=False)  # fmt: skip
    return fig
