"""``bayes-mmm design-tests``: which lift test to run next, from a saved model.

Writes ``experiments.csv`` (one row per candidate design, best net value first, see
:func:`bayes_mmm.design_tests`), ``plan.csv`` (the greedy batch of ``--max-tests`` tests
under ``--max-weeks-dark``) and ``plots/test_values.png`` (value vs cost) into ``--out``,
all or nothing (``bayes_mmm.cli.outputs``). Feed a test's result back with
``bayes-mmm fit ... --lift-tests FILE`` (windowed columns ``weeks``, ``carryover_weeks``,
``measured_from``; see :mod:`bayes_mmm.data.lift`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bayes_mmm.cli.common import InputError, add_model_arg, add_report_args, say
from bayes_mmm.cli.outputs import out_problems, staged


def register(sub) -> None:
    p = sub.add_parser(
        "design-tests",
        help="rank candidate lift tests by their value for the budget decision",
        description="For each candidate test (channel x spend change x weeks [x geos]): the "
        "measured lift's distribution, the expected value of its result for the budget decision "
        "(EVSI), the narrowing of the channel's ROI and marginal-ROI intervals, its cost and "
        "net value; and a batch plan of several tests.",
    )
    add_model_arg(p)
    p.add_argument(
        "--candidates",
        default="default",
        help="CSV with columns channel, change (go_dark | -50%% | +50%% | weekly spend "
        "change), weeks, optional carryover_weeks and sigma, and on a geo fit geo (GEO, "
        "GEO1+GEO2, or empty for every geo); or 'default' (every channel x go dark 2/4 weeks, "
        "-50%% 4 weeks, +50%% 4/8 weeks; on a geo fit also go dark and +50%% 4 weeks in each "
        "channel's test cell of geos)",
    )
    p.add_argument("--objective", default="mean", help="as for 'bayes-mmm optimize'")
    p.add_argument("--budget", type=float, help="total spend over the horizon (default: current)")
    p.add_argument("--horizon", type=int, default=13, help="weeks the decision plans (13)")
    p.add_argument("--bound", action="append", default=[], metavar="CHANNEL=LO:HI")
    p.add_argument(
        "--noise-scale",
        type=float,
        default=1.0,
        help="a test's standard error in units of the model's residual noise x sqrt(weeks "
        "measured) (default 1; matched-market tests are often 1.5-3)",
    )
    p.add_argument("--outcomes", type=int, default=24, help="simulated results per design")
    p.add_argument(
        "--refit",
        choices=["nuts", "laplace", "none"],
        default="nuts",
        help="how to value a design whose reweighted draws are inadequate (ESS < 100 or "
        "Pareto k > 0.7): refit with its simulated results (default: short NUTS), or 'none'",
    )
    p.add_argument("--max-tests", type=int, default=2, help="tests in the batch plan (2)")
    p.add_argument("--max-weeks-dark", type=float, default=8, help="cut/dark weeks in all (8)")
    add_report_args(p)
    p.set_defaults(func=run_design_tests)


def _problems(args) -> list[str]:
    problems = out_problems(args.out, args.command)
    if args.candidates != "default" and not Path(args.candidates).is_file():
        problems.append(f"--candidates {args.candidates}: no such file")
    if args.noise_scale <= 0:
        problems.append("--noise-scale must be > 0")
    if args.outcomes < 2 or args.max_tests < 1:
        problems.append("--outcomes must be >= 2 and --max-tests >= 1")
    return problems


def run_design_tests(args: argparse.Namespace) -> int:
    problems = _problems(args)  # before the heavy imports
    if problems:
        raise InputError(problems)
    from bayes_mmm.budget.bounds import parse_bound
    from bayes_mmm.budget.objectives import Objective
    from bayes_mmm.budget.scenario import check_horizon, current_weekly
    from bayes_mmm.experiments.plan import plan_tests
    from bayes_mmm.experiments.value import design_tests
    from bayes_mmm.io import atomic_path, load, write_csv
    from bayes_mmm.plots.experiments import plot_test_values

    horizon = check_horizon(args.horizon)
    objective = Objective.parse(args.objective)
    fit = load(args.model)
    current = current_weekly(fit, horizon) * horizon
    bounds = dict(parse_bound(b, list(fit.data.channels), current) for b in args.bound)
    common = dict(objective=objective, budget=args.budget, horizon=horizon, bounds=bounds or None)
    common.update(noise_scale=args.noise_scale, n_outcomes=args.outcomes)
    say(args, "valuing candidate tests")
    refit = None if args.refit == "none" else args.refit
    table = design_tests(fit, args.candidates, ci_prob=args.ci_prob, refit=refit, **common)
    say(args, f"ranked {len(table)} designs in {table.attrs['seconds']:.1f} s")
    plan = plan_tests(
        fit, args.candidates, max_tests=args.max_tests, max_weeks_dark=args.max_weeks_dark,
        ranked=table, **common,
    )  # fmt: skip
    fig = plot_test_values(table)
    with staged(args.out, args.command) as out:
        written = [
            write_csv(table.round(4), out / "experiments.csv"),
            write_csv(plan.round(4), out / "plan.csv"),
        ]
        path = out / "plots" / "test_values.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110)
        written.append(path)
    say(args, f"wrote {len(written)} files to {args.out}")
    return 0
