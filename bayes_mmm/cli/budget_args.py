"""The options of ``bayes-mmm optimize`` and ``bayes-mmm scenario``, grouped by theme.

Only argparse set-up (``--help`` stays light); :mod:`bayes_mmm.cli.budget` creates the
sub-commands and runs them. The order of the calls is the order of the options in ``--help``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bayes_mmm.cli.common import add_model_arg, add_report_args

FRONTIER_POINTS = 15
# by-geo frontier points each optimise every geo x channel cell: ~20 s a point on 10 geos x
# 4 channels with 4,000 draws (17 points: 5.5 min), against ~1.2 s split nationally
BY_GEO_FRONTIER_POINTS = 5


def add_optimize_args(parser: argparse.ArgumentParser) -> None:
    """Every option of ``optimize``."""
    add_model_arg(parser)
    _add_budget_args(parser)
    _add_objective_arg(parser)
    _add_limit_args(parser)
    _add_geo_args(parser)
    _add_output_args(parser)


def add_scenario_args(parser: argparse.ArgumentParser) -> None:
    """Every option of ``scenario``."""
    add_model_arg(parser)
    _add_plan_args(parser)
    add_report_args(parser)


# ---- optimize -------------------------------------------------------------------------------
def _add_budget_args(parser: argparse.ArgumentParser) -> None:
    """``--horizon`` and ``--budget``: how long and how much."""
    parser.add_argument("--horizon", type=int, required=True, help="weeks (periods) to plan")
    parser.add_argument(
        "--budget",
        default=None,
        help="total spend over the horizon, all channels (default: the current plan's "
        "total); 'best' with a profit objective chooses the budget that maximises profit",
    )


def _add_objective_arg(parser: argparse.ArgumentParser) -> None:
    """``--objective``: what the allocation maximises."""
    parser.add_argument(
        "--objective",
        default="mean",
        help="mean (expected outcome, default) | quantile:P (e.g. quantile:0.1, risk-averse) "
        "| cvar:P (mean of the worst P of outcomes) | profit:VALUE (VALUE per unit of outcome)",
    )


def _add_limit_args(parser: argparse.ArgumentParser) -> None:
    """``--bound``, ``--max-change`` and ``--fix``: limits on each channel's spend."""
    parser.add_argument(
        "--bound",
        action="append",
        default=[],
        metavar="CHANNEL=LO:HI",
        help="spend limits over the horizon: totals (tv=1000:5000, tv=:5000) or percent "
        "changes from the current plan (tv=-30%%:+30%%); repeatable",
    )
    parser.add_argument(
        "--max-change",
        type=float,
        help="every channel within ±this fraction of its current spend (e.g. 0.1)",
    )
    parser.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="CHANNELS",
        help="comma-separated channels kept at their current spend; repeatable",
    )


def _add_geo_args(parser: argparse.ArgumentParser) -> None:
    """``--by-geo`` and ``--bounds-file``: allocation and limits per geo x channel cell."""
    parser.add_argument(
        "--by-geo",
        action="store_true",
        help="geo fits: allocate over every geo x channel cell (default: channel totals, "
        "split over geos by their recent shares); --bound then takes GEO/CHANNEL=LO:HI",
    )
    parser.add_argument(
        "--bounds-file",
        type=Path,
        metavar="CSV",
        help="with --by-geo: limits per cell, columns geo,channel,lower,upper (totals or "
        "percent changes such as -30%%; an empty geo: every geo's cell of the channel)",
    )


def _add_output_args(parser: argparse.ArgumentParser) -> None:
    """``--frontier-points``, the report options and ``--no-report``: what is written."""
    parser.add_argument(
        "--frontier-points",
        type=int,
        default=None,
        help=f"budgets on the efficient frontier (default {FRONTIER_POINTS}; "
        f"{BY_GEO_FRONTIER_POINTS} with --by-geo, where each point is a by-geo optimisation "
        "that takes about as long as the plan itself; 0: no frontier)",
    )
    add_report_args(parser)
    parser.add_argument("--no-report", action="store_true", help="do not write report.html")


# ---- scenario -------------------------------------------------------------------------------
def _add_plan_args(parser: argparse.ArgumentParser) -> None:
    """The plan (one of ``--plan``, ``--scale``, ``--what-if``) and its ``--horizon``."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--plan",
        type=Path,
        help="CSV: one row per future week, one column per "
        "channel (spend); optional date column and control columns. On a geo fit: one row "
        "per geo and week, a geo column (named as in the data, or 'geo'), an optional date "
        "column and one column per paid channel (optimize's plan.csv is one)",
    )
    group.add_argument("--scale", help="multipliers of the current plan, e.g. tv=1.2,search=0.8")
    group.add_argument(
        "--what-if",
        dest="what_if",
        metavar="F[,F...]",
        help="each channel in turn changed by -F and +F from the current plan, e.g. 0.2 for "
        "±20%% (writes what_ifs.csv)",
    )
    parser.add_argument("--horizon", type=int, help="weeks (periods), for --scale and --what-if")
