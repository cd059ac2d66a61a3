"""``bayes-mmm optimize`` and ``scenario`` on a geo fit (:mod:`bayes_mmm.budget.geo`):
channel totals split over geos (default) or every geo x channel cell (``--by-geo``), bounds
per cell (``--bound GEO/CHANNEL=LO:HI``, ``--bounds-file``), the weekly plan per geo
(``plan.csv``) and the efficient frontier; scenarios by ``--scale``, a weekly ``--plan``
per geo (long: geo, date, one column per paid channel) or ``--what-if``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bayes_mmm.cli.common import names, say
from bayes_mmm.cli.outputs import staged

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from bayes_mmm.budget.geo_allocation import GeoAllocation
    from bayes_mmm.inference.fit import MMMFit


def geo_bounds(args: argparse.Namespace, fit: MMMFit, horizon: int) -> dict:
    """``--bound`` and ``--bounds-file`` as ``{cell or channel: (lo, hi)}``: cells with
    ``--by-geo``; channel totals otherwise (as national fits)."""
    from bayes_mmm.budget.bounds import parse_bound
    from bayes_mmm.budget.geo import parse_geo_bound, read_bounds_file
    from bayes_mmm.budget.geo_response import geo_current, paid_index

    geos, paid = list(fit.data.geos), [fit.data.channels[i] for i in paid_index(fit)]
    current = geo_current(fit, horizon)
    if not args.by_geo:
        if args.bounds_file is not None:
            raise ValueError("--bounds-file names geo x channel cells: use it with --by-geo")
        return dict(parse_bound(b, paid, current.sum(axis=0)) for b in args.bound)
    out = {}
    if args.bounds_file is not None:
        out.update(read_bounds_file(args.bounds_file, geos, paid, current))
    for b in args.bound:
        out.update(parse_geo_bound(b, geos, paid, current))
    return out


def run_optimize_geo(args: argparse.Namespace, fit: MMMFit, horizon: int, budget, free: bool,
                     ci: float) -> list:  # fmt: skip
    """Optimize on a geo fit and write allocation.csv (national rows, then each geo),
    outcome.csv, optimize.json, plan.csv, the frontier (``--frontier-points``), the plan's
    figures and report.html; the written paths."""
    from bayes_mmm.budget.geo import optimize_geo

    fixed = [c for item in args.fix for c in names(item)]
    constraints = dict(bounds=geo_bounds(args, fit, horizon), max_change=args.max_change,
                       fixed=fixed or None, by_geo=args.by_geo)  # fmt: skip
    alloc = optimize_geo(
        fit,
        horizon,
        budget,
        objective=args.objective,
        free_budget=free,
        ci_prob=ci,
        progress=not args.quiet,
        **constraints,
    )
    say(args, f"P(recommended beats current) = {alloc.p_beats_current:.2f} ({alloc.seconds:.1f} s)")
    table = None
    if args.frontier_points:
        from bayes_mmm.cli.budget import frontier_table

        table = frontier_table(args, fit, horizon, alloc.objective, alloc, free, ci, constraints)
    return _write_geo_plan(args, fit, alloc, table, ci)


def _write_geo_plan(args: argparse.Namespace, fit: MMMFit, alloc: GeoAllocation,
                    table: pd.DataFrame | None, ci: float) -> list[Path]:  # fmt: skip
    """allocation.csv, outcome.csv, optimize.json, plan.csv, the allocation and outcome
    figures, the frontier (with ``table``) and (unless ``--no-report``) the geo report.html
    with the plan: all files or none."""
    from bayes_mmm.budget.geo_plan import plan_table
    from bayes_mmm.cli.budget import save_png, write_frontier
    from bayes_mmm.io import write_csv, write_json
    from bayes_mmm.plots import budget as plots

    with staged(args.out, args.command) as out:  # all files or none
        written = [
            write_csv(alloc.table.round(4), out / "allocation.csv"),
            write_csv(alloc.outcome.round(4), out / "outcome.csv"),
            write_json(alloc.to_dict(), out / "optimize.json"),
            write_csv(plan_table(fit, alloc.weekly["recommended"]), out / "plan.csv"),
            save_png(plots.allocation(alloc), out / "plots" / "allocation.png"),
            save_png(plots.outcome_distributions(alloc), out / "plots" / "outcome.png"),
        ]
        if table is not None:
            written += write_frontier(out, fit, alloc.objective, alloc, table)
        if not args.no_report:
            from bayes_mmm.export_geo import write_geo_report

            written.append(write_geo_report(fit, out / "report.html", ci, alloc, not args.quiet))
        return written


def run_scenario_geo(args: argparse.Namespace, fit: MMMFit, horizon: int | None, ci: float):
    """``scenario`` on a geo fit: ``--scale`` (channels or GEO/CHANNEL cells) or ``--plan``
    (a weekly plan per geo) -> scenario.csv and plan.csv; ``--what-if`` -> what_ifs.csv."""
    from bayes_mmm.budget.geo import geo_scenario, scaled_cells
    from bayes_mmm.budget.geo_plan import plan_table, read_geo_plan, spread
    from bayes_mmm.budget.geo_scenario import plan_scenario
    from bayes_mmm.budget.scenario import parse_scale
    from bayes_mmm.io import write_csv

    if args.what_if is not None:
        return _write_geo_what_ifs(args, fit, horizon, ci)
    if args.plan is not None:
        weekly = read_geo_plan(args.plan, fit, horizon)  # every problem, before any work
        say(args, f"scenario of {args.plan}: {weekly.shape[1]} periods in {len(weekly)} geos")
        table = plan_scenario(fit, weekly, ci)
    else:
        scale = parse_scale(args.scale)
        table = geo_scenario(fit, horizon, scale, ci)
        weekly = spread(scaled_cells(fit, horizon, scale), horizon)
    with staged(args.out, args.command) as out:
        return [
            write_csv(table.round(4), out / "scenario.csv"),
            write_csv(plan_table(fit, weekly), out / "plan.csv"),
        ]


def _write_geo_what_ifs(args: argparse.Namespace, fit: MMMFit, horizon: int, ci: float):
    """``--what-if``: each channel's national spend changed by -F and +F (split over the
    geos as now), written to what_ifs.csv."""
    from bayes_mmm.budget.geo_scenario import geo_what_ifs
    from bayes_mmm.cli.budget import what_if_changes
    from bayes_mmm.io import write_csv

    table = geo_what_ifs(fit, horizon, what_if_changes(args.what_if), ci)
    with staged(args.out, args.command) as out:
        return [write_csv(table.round(4), out / "what_ifs.csv")]
