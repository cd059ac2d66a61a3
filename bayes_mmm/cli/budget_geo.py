"""``bayes-mmm optimize`` and ``scenario`` on a geo fit (:mod:`bayes_mmm.budget.geo`):
channel totals split over geos (default) or every geo x channel cell (``--by-geo``), bounds
per cell (``--bound GEO/CHANNEL=LO:HI``, ``--bounds-file``); scenarios by ``--scale``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bayes_mmm.cli.common import names, say
from bayes_mmm.cli.outputs import staged

if TYPE_CHECKING:
    from bayes_mmm.inference.fit import MMMFit

NOT_YET = "the frontier and plan.csv are not yet written for geo fits"


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
    outcome.csv, optimize.json, the plan's figures and report.html; the written paths."""
    from bayes_mmm.budget.geo import optimize_geo

    fixed = [c for item in args.fix for c in names(item)]
    alloc = optimize_geo(
        fit,
        horizon,
        budget,
        by_geo=args.by_geo,
        objective=args.objective,
        bounds=geo_bounds(args, fit, horizon),
        max_change=args.max_change,
        fixed=fixed or None,
        free_budget=free,
        ci_prob=ci,
        progress=not args.quiet,
    )
    say(args, f"P(recommended beats current) = {alloc.p_beats_current:.2f} ({alloc.seconds:.1f} s)")
    say(args, f"note: {NOT_YET}")
    return _write_geo_plan(args, fit, alloc, ci)


def _write_geo_plan(args: argparse.Namespace, fit: MMMFit, alloc, ci: float) -> list:
    """allocation.csv, outcome.csv, optimize.json, the allocation and outcome figures and
    (unless ``--no-report``) the geo report.html with the plan: all files or none."""
    from bayes_mmm.cli.budget import save_png
    from bayes_mmm.io import write_csv, write_json
    from bayes_mmm.plots import budget as plots

    with staged(args.out, args.command) as out:  # all files or none
        written = [
            write_csv(alloc.table.round(4), out / "allocation.csv"),
            write_csv(alloc.outcome.round(4), out / "outcome.csv"),
            write_json({**alloc.to_dict(), "not_yet_for_geo_fits": NOT_YET}, out / "optimize.json"),
        ]
        written += [
            save_png(plots.allocation(alloc), out / "plots" / "allocation.png"),
            save_png(plots.outcome_distributions(alloc), out / "plots" / "outcome.png"),
        ]
        if not args.no_report:
            from bayes_mmm.export_geo import write_geo_report

            written.append(write_geo_report(fit, out / "report.html", ci, alloc, not args.quiet))
        return written


def run_scenario_geo(args: argparse.Namespace, fit: MMMFit, horizon: int | None, ci: float):
    """``scenario --scale`` on a geo fit (channels or GEO/CHANNEL cells) -> scenario.csv."""
    from bayes_mmm.budget.geo import geo_scenario
    from bayes_mmm.budget.scenario import parse_scale
    from bayes_mmm.io import write_csv

    if args.scale is None or horizon is None:
        raise ValueError(
            "on a geo fit, scenario takes --scale CHANNEL=M or GEO/CHANNEL=M with --horizon "
            "(--plan and --what-if are not supported with geos yet)"
        )
    table = geo_scenario(fit, horizon, parse_scale(args.scale), ci)
    with staged(args.out, args.command) as out:
        return [write_csv(table.round(4), out / "scenario.csv")]
