"""The options of ``bayes-mmm demo``, ``fit`` and ``report`` (argparse only: import-light)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bayes_mmm.cli.inputs import add_input_args
from bayes_mmm.model import components
from bayes_mmm.model.components import geo_shapes as gs
from bayes_mmm.model.spec import BASELINES, GEO_NOISE


def add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--spec", type=Path, help="model spec as JSON (see README: 'Model spec')")
    g.add_argument(
        "--adstock",
        choices=sorted(components.ADSTOCKS),
        help="carryover form (default geometric; overrides the spec file's)",
    )
    g.add_argument(
        "--saturation",
        choices=sorted(components.SATURATIONS),
        help="saturation curve (default hill; overrides the spec file's)",
    )
    g.add_argument(
        "--baseline",
        choices=BASELINES,
        help="baseline: level + linear trend ('linear', the default), or + a smooth "
        "time-varying baseline ('smooth'; priors smooth_amplitude, smooth_lengthscale in weeks)",
    )
    g.add_argument(
        "--geo-shapes",
        choices=gs.GEO_SHAPES,
        help="with --geo: adstock and saturation shapes shared by all geos ('shared', the "
        "default) or varying by geo, partially pooled around the national value ('pooled'; "
        "priors of the spreads: <parameter>_geo_sd, e.g. decay_geo_sd; slower to sample: "
        "check r_hat, benchmarks/results/geo_shapes.md)",
    )
    g.add_argument(
        "--geo-noise",
        choices=GEO_NOISE,
        help="with --geo: each geo's noise independent ('independent', the default), or plus a "
        "weekly shock common to all geos ('shared', in units of each geo's mean; prior "
        "sigma_shared): national intervals then widen when geos move together",
    )
    g.add_argument(
        "--prior",
        action="append",
        default=[],
        metavar="NAME=DIST(...)",
        help="override a prior, e.g. --prior 'decay=Beta(alpha=3, beta=3)' or, per channel, "
        "--prior 'tv.roi=LogNormal(mu=0.3, sigma=0.3)'; repeatable",
    )


def add_lift_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lift-tests",
        type=Path,
        metavar="CSV",
        help="experiments' measured lifts, columns channel,spend,delta_spend,lift,sigma (per "
        "period; delta_spend=-spend for a go-dark test): the model fits them too (README: "
        "'Lift tests'); lift_tests.csv compares the fit with each. Windowed tests add "
        "columns weeks (test length), carryover_weeks, measured_from: lift is then the total "
        "over the measured weeks, fitted through the adstock",
    )
    p.add_argument(
        "--init",
        type=Path,
        metavar="MODEL",
        help="an earlier fit's model.nc (e.g. the fit before --lift-tests): each chain starts "
        "at one of its posterior draws, which spares the warm-up the search for the posterior "
        "(a refit with a test in every geo: 4.5 s instead of 44 s); the draws differ from a "
        "cold start's",
    )


def add_output_args(p: argparse.ArgumentParser, holdout: bool = True) -> None:
    g = p.add_argument_group("analysis")
    if holdout:
        g.add_argument(
            "--holdout-weeks",
            type=int,
            default=0,
            metavar="H",
            help="also fit a model on all but the last H periods and score its forecast of "
            "them (R², MAPE, interval coverage in fit.json, plots/holdout.png); default 0",
        )
    g.add_argument("--no-plots", action="store_true", help="do not draw plots/*.png")
    g.add_argument("--no-report", action="store_true", help="do not write report.html")


def add_data_args(f: argparse.ArgumentParser) -> None:
    f.add_argument("data", type=Path, help="CSV file (or .csv.gz), one row per week (or day)")
    f.add_argument("--date", required=True, help="date column (dates, or period numbers 1, 2, 3)")
    f.add_argument("--target", required=True, help="outcome column (e.g. sales)")
    f.add_argument("--channels", required=True, help="comma-separated spend columns")
    f.add_argument("--controls", default="", help="comma-separated control columns")
    g = f.add_argument_group("reading the data")
    g.add_argument(
        "--categorical",
        default="",
        metavar="COLUMNS",
        help="comma-separated controls to one-hot encode against their most frequent level "
        "(text controls with few levels are detected anyway)",
    )
    g.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="how dates are written when it cannot be told, e.g. '%%d.%%m.%%Y' or '%%m/%%d/%%Y'",
    )
    g.add_argument(
        "--freq",
        choices=("W", "D"),
        help="for period numbers in the date column: W weekly (default) or D daily",
    )
    g.add_argument(
        "--start-date", help="for period numbers: the date of the first period (default 2000-01-03)"
    )
    add_input_args(g)
    g.add_argument(
        "--allow-negative-target",
        action="store_true",
        help="accept negative outcome values (e.g. profit); refused by default",
    )
    g.add_argument(
        "--geo",
        metavar="COLUMN",
        help="geo column of a long table (one row per geo and period): a hierarchical model "
        "across geos",
    )
    g.add_argument(
        "--population",
        metavar="COLUMN",
        help="with --geo: each geo's population (constant within a geo), used to scale geos",
    )
    g.add_argument(
        "--align",
        choices=("error", "intersect"),
        default="error",
        help="with --geo, when geos cover different dates: refuse (default) or keep the dates "
        "all geos share",
    )
