"""``bayes-mmm optimize`` and ``bayes-mmm scenario``: budget decisions from a saved model.

Every input is checked and every result computed before anything is written; the files go
to a staging folder that replaces ``--out`` whole at the end (``bayes_mmm.cli.outputs``).
The budget and output code is imported when a command runs (``--help`` stays light), after
the checks that need no model (``--out``, ``--ci-prob``, ``--horizon``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bayes_mmm.cli.budget_args import (
    BY_GEO_FRONTIER_POINTS,
    FRONTIER_POINTS,
    add_optimize_args,
    add_scenario_args,
)
from bayes_mmm.cli.common import InputError, model_problems, names, objective_problems, say
from bayes_mmm.cli.outputs import out_problems, staged

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from bayes_mmm.budget.allocation import Allocation
    from bayes_mmm.budget.geo_allocation import GeoAllocation
    from bayes_mmm.budget.objectives import Objective
    from bayes_mmm.inference.fit import MMMFit

CURRENT_PLAN_HELP = (
    "The current plan, the reference for every comparison and for relative bounds, spends "
    "each channel's mean weekly spend over the last HORIZON weeks of the data, every week."
)


def register(sub) -> None:
    """Add the ``optimize`` and ``scenario`` sub-commands."""
    o = sub.add_parser(
        "optimize",
        help="allocate a budget over channels (uncertainty-aware)",
        description="Allocate a total budget over channels for the next HORIZON weeks to "
        "maximise an objective over the posterior. " + CURRENT_PLAN_HELP,
    )
    add_optimize_args(o)
    o.set_defaults(func=run_optimize)

    s = sub.add_parser(
        "scenario",
        help="posterior outcome of a future spend plan",
        description="Posterior outcome of a spend plan for the weeks after the data, with "
        "carryover from past spend and after the horizon. " + CURRENT_PLAN_HELP,
    )
    add_scenario_args(s)
    s.set_defaults(func=run_scenario)


# ---- helpers --------------------------------------------------------------------------------
def _load(path: Path) -> MMMFit:
    from bayes_mmm.io import load

    return load(path)  # ModelFileError (bad input) naming the file


def _check_ci(p: float | None) -> None:
    if p is not None and not 0 < p < 1:
        raise ValueError(f"--ci-prob must be in (0, 1), got {p}")


def _ci(p: float | None) -> float:
    _check_ci(p)
    from bayes_mmm.analysis.summary import ci

    return ci(p)


def _horizon(horizon: int | None) -> int | None:
    """``--horizon`` checked without importing the budget code (as ``check_horizon``)."""
    if horizon is not None and horizon < 1:
        raise ValueError(f"horizon must be a positive whole number of periods, got {horizon!r}")
    return horizon


def save_png(fig, path: Path) -> Path:
    from bayes_mmm.io import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return path


def _report(args, written: list[Path]) -> None:
    say(args, f"wrote {len(written)} files to {args.out}")


def _check_out(args) -> None:
    """--out checked before any work (a file, other files, another command's outputs)."""
    problems = out_problems(args.out, args.command)
    if problems:
        raise InputError(problems)


# ---- optimize -------------------------------------------------------------------------------
def _optimize_problems(args: argparse.Namespace) -> list[str]:
    """Every ``optimize`` argument that needs no model, checked before the PyMC stack loads."""
    problems = model_problems(args.model) + objective_problems(args.objective)
    budget = (args.budget or "").strip().lower()
    if budget == "best" and not args.objective.strip().lower().startswith("profit"):
        problems.append("--budget best needs a profit objective, e.g. profit:2.5")
    elif budget and budget != "best":
        try:
            float(budget)
        except ValueError:
            problems.append(f"--budget {args.budget!r}: give a number or 'best'")
    if args.frontier_points is not None and args.frontier_points < 0:
        problems.append("--frontier-points must be >= 0")
    return problems


def run_optimize(args: argparse.Namespace) -> int:
    _check_out(args)
    _horizon(args.horizon)
    _check_ci(args.ci_prob)
    problems = _optimize_problems(args)
    if problems:
        raise InputError(problems)
    if args.frontier_points is None:  # by-geo points are slow (cli.budget_args)
        args.frontier_points = BY_GEO_FRONTIER_POINTS if args.by_geo else FRONTIER_POINTS
    from bayes_mmm.budget.objectives import Objective
    from bayes_mmm.budget.optimize import optimize
    from bayes_mmm.budget.scenario import check_horizon

    horizon, ci = check_horizon(args.horizon), _ci(args.ci_prob)
    objective = Objective.parse(args.objective)
    fit = _load(args.model)
    free, budget = _budget_arg(args, objective)
    if fit.data.n_geos > 1:
        from bayes_mmm.cli.budget_geo import run_optimize_geo

        _report(args, run_optimize_geo(args, fit, horizon, budget, free, ci))
        return 0
    if args.by_geo or args.bounds_file is not None:
        raise ValueError("--by-geo and --bounds-file need a geo fit (fitted with --geo)")
    constraints = _constraints(args, fit, horizon)
    say(args, f"optimizing {objective.label} over {horizon} weeks")
    alloc = optimize(
        fit, horizon, budget, objective=objective, free_budget=free, ci_prob=ci, **constraints
    )
    say(args, f"P(recommended beats current) = {alloc.p_beats_current:.2f} ({alloc.seconds:.1f} s)")
    table = None
    if args.frontier_points:
        table = frontier_table(args, fit, horizon, objective, alloc, free, ci, constraints)
    _report(args, _write_optimize(args, fit, objective, alloc, table, ci))
    return 0


def _constraints(args: argparse.Namespace, fit: MMMFit, horizon: int) -> dict:
    """``--bound``, ``--max-change`` and ``--fix`` as keywords of ``optimize`` and ``frontier``."""
    from bayes_mmm.budget.bounds import parse_bound
    from bayes_mmm.budget.scenario import current_weekly

    channels = list(fit.data.channels)
    current = current_weekly(fit, horizon) * horizon
    bounds = dict(parse_bound(b, channels, current) for b in args.bound)
    fixed = [c for item in args.fix for c in names(item)]
    return dict(bounds=bounds, max_change=args.max_change, fixed=fixed or None)


def frontier_table(
    args: argparse.Namespace,
    fit: MMMFit,
    horizon: int,
    objective: Objective,
    alloc: Allocation,
    free: bool,
    ci: float,
    constraints: dict,
) -> pd.DataFrame:
    """The efficient frontier over ``--frontier-points`` budgets and the recommended one."""
    from bayes_mmm.budget.frontier import frontier

    extra = [alloc.budget, 1.25 * alloc.budget] if free else [alloc.budget]
    return frontier(
        fit,
        horizon,
        objective="mean" if objective.kind == "profit" else str(objective),
        n_points=args.frontier_points,
        include=extra,
        ci_prob=ci,
        progress=not args.quiet,
        **constraints,
    )


def _write_optimize(
    args: argparse.Namespace,
    fit: MMMFit,
    objective: Objective,
    alloc: Allocation,
    table: pd.DataFrame | None,
    ci: float,
) -> list[Path]:
    """Write every ``optimize`` output to ``--out`` (all files or none); the written paths."""
    from bayes_mmm.htmlreport import write_html_report
    from bayes_mmm.io import write_csv, write_json
    from bayes_mmm.plots import budget as plots

    with staged(args.out, args.command) as out:  # all files or none
        written = [
            write_csv(alloc.table.round(4), out / "allocation.csv"),
            write_csv(alloc.outcome.round(4), out / "outcome.csv"),
            write_json(alloc.to_dict(), out / "optimize.json"),
            write_csv(_weekly(alloc, fit), out / "plan.csv"),
            save_png(plots.allocation(alloc), out / "plots" / "allocation.png"),
            save_png(plots.outcome_distributions(alloc), out / "plots" / "outcome.png"),
        ]
        if table is not None:
            written += write_frontier(out, fit, objective, alloc, table)
        if not args.no_report:  # the HTML report with this plan (bayes_mmm.htmlreport)
            html = write_html_report(fit, out / "report.html", allocation=alloc, ci_prob=ci)
            written.append(html)
    return written


def write_frontier(
    out: Path,
    fit: MMMFit,
    objective: Objective,
    alloc: Allocation | GeoAllocation,
    table: pd.DataFrame,
) -> list[Path]:
    """frontier.csv and plots/frontier.png (the current and recommended plans marked)."""
    from bayes_mmm.io import write_csv
    from bayes_mmm.plots import budget as plots

    value = objective.value if objective.kind == "profit" else None
    figure = plots.frontier(table, alloc, value, fit.data.target_name)
    return [
        write_csv(table.round(4), out / "frontier.csv"),
        save_png(figure, out / "plots" / "frontier.png"),
    ]


def _budget_arg(args: argparse.Namespace, objective) -> tuple[bool, float | None]:
    """``--budget``: (free budget, amount)."""
    if args.budget is None:
        return False, None
    if args.budget.strip().lower() == "best":
        if objective.kind != "profit":
            raise ValueError("--budget best needs a profit objective, e.g. profit:2.5")
        return True, None
    try:
        return False, float(args.budget)
    except ValueError:
        raise ValueError(f"--budget {args.budget!r}: give a number or 'best'") from None


def _weekly(alloc, fit: MMMFit) -> pd.DataFrame:
    """The recommended weekly plan (usable as ``bayes-mmm scenario --plan``)."""
    plan = alloc.plans["recommended"]
    return plan.rename_axis(_date_label(fit)).reset_index()


def _date_label(fit: MMMFit) -> str:
    """The date column of plan.csv: the data's own (as a geo plan's; ``scenario --plan``
    reads it or 'date')."""
    return fit.data.date_name or "date"


# ---- scenario -------------------------------------------------------------------------------
def _read_plan(path: Path, fit: MMMFit) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if not path.is_file():
        raise FileNotFoundError(f"plan file '{path}' does not exist")
    import pandas as pd

    frame = pd.read_csv(path)
    roles = {*fit.data.channels, *fit.data.control_names}  # a channel may be called 'date'
    frame = frame.drop(
        columns=[c for c in ("date", fit.data.date_name) if c in frame and c not in roles]
    )
    controls = [c for c in frame.columns if c in fit.data.control_names]
    bad = [c for c in frame.columns if frame[c].dtype == object]
    if bad:
        raise ValueError(f"plan file '{path}': columns {bad} are not numeric")
    return frame.drop(columns=controls), (frame[controls] if controls else None)


def _scenario_problems(args: argparse.Namespace) -> list[str]:
    """Every ``scenario`` argument that needs no model, checked before the PyMC stack loads."""
    problems = model_problems(args.model)
    if args.plan is None and args.horizon is None:
        problems.append("--scale and --what-if need --horizon WEEKS")
    return problems


def run_scenario(args: argparse.Namespace) -> int:
    _check_out(args)
    _horizon(args.horizon)
    _check_ci(args.ci_prob)
    problems = _scenario_problems(args)
    if problems:
        raise InputError(problems)
    from bayes_mmm.budget.scenario import check_horizon, summarize
    from bayes_mmm.io import write_csv

    ci = _ci(args.ci_prob)
    fit = _load(args.model)
    horizon = None if args.horizon is None else check_horizon(args.horizon)
    if fit.data.n_geos > 1:
        from bayes_mmm.cli.budget_geo import run_scenario_geo

        _report(args, run_scenario_geo(args, fit, horizon, ci))
        return 0
    if args.plan is None and horizon is None:
        raise ValueError("--scale and --what-if need --horizon WEEKS")
    if args.what_if is not None:
        _report(args, _write_what_ifs(args, fit, horizon, ci))
        return 0
    ds, weekly = _plan_scenario(args, fit, horizon)
    say(
        args,
        f"scenario {ds.attrs['start']} to {ds.attrs['end']}, {ds.attrs['horizon']} weeks",
    )
    with staged(args.out, args.command) as out:
        written = [
            write_csv(summarize(ds, ci).round(4), out / "scenario.csv"),
            write_csv(weekly.rename_axis(_date_label(fit)).reset_index(), out / "plan.csv"),
        ]
    _report(args, written)
    return 0


def _write_what_ifs(args: argparse.Namespace, fit: MMMFit, horizon: int, ci: float) -> list[Path]:
    """``--what-if``: each channel changed by -F and +F, written to what_ifs.csv."""
    from bayes_mmm.budget.scenario import what_ifs
    from bayes_mmm.io import write_csv

    table = what_ifs(fit, horizon, what_if_changes(args.what_if), ci)
    with staged(args.out, args.command) as out:
        return [write_csv(table.round(4), out / "what_ifs.csv")]


def what_if_changes(text: str) -> list[float]:
    """``--what-if F[,F...]`` as the changes -F and +F, ascending."""
    try:
        sizes = [float(x) for x in names(text)]
    except ValueError:
        sizes = []
    if not sizes or not all(0 < x <= 1 for x in sizes):
        raise ValueError(f"--what-if {text!r}: give fractions in (0, 1], e.g. 0.2")
    return sorted({sign * x for x in sizes for sign in (-1, 1)})


def _plan_scenario(
    args: argparse.Namespace, fit: MMMFit, horizon: int | None
) -> tuple[xr.Dataset, pd.DataFrame]:
    """The scenario of ``--plan`` or ``--scale`` and its weekly plan."""
    from bayes_mmm.budget.scenario import parse_scale, scaled_plan, scenario

    if args.plan is not None:
        plan, controls = _read_plan(args.plan, fit)
        ds = scenario(fit, plan, horizon=horizon, controls=controls)
        return ds, plan.set_index(ds["weekly"].date.to_index())
    weekly = scaled_plan(fit, horizon, parse_scale(args.scale))
    return scenario(fit, weekly), weekly
