"""``bayes-mmm demo``, ``bayes-mmm fit`` and ``bayes-mmm report``: fit a model (or load a saved
one) and write its outputs.

Every argument, the spec, the data and the priors are checked before any work; outputs are
written into a staging folder that replaces ``--out`` at the end (``bayes_mmm.cli.outputs``),
``model.nc`` first, so that a failure later keeps the fit in ``<out>.partial/model.nc``.

Import-light: parsing and every check before sampling import no PyMC, ArviZ or matplotlib
(``tests/test_import_light.py``); the handlers import the fitting and output code when the
work starts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from bayes_mmm.cli.common import (
    InputError,
    add_debug_arg,
    add_model_arg,
    add_report_args,
    add_sampling_args,
    checked_work,
    ci_problems,
    data_notes_to_stderr,
    model_problems,
    names,
    objective_problems,
    raise_if_interrupted,
    sampling_problems,
    sampling_warnings_to_stderr,
    say,
)
from bayes_mmm.cli.fit_args import add_data_args, add_lift_args, add_model_args, add_output_args
from bayes_mmm.cli.inputs import input_options, input_problems
from bayes_mmm.cli.outputs import out_problems, staged
from bayes_mmm.data.dataset import read_csv
from bayes_mmm.data.demo import demo_csv_path, load_demo
from bayes_mmm.model.build import check_rows, resolve_priors
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

if TYPE_CHECKING:
    from bayes_mmm.inference.fit import MMMFit


def fit(data, spec: ModelSpec, **sampling) -> MMMFit:
    """:func:`bayes_mmm.fit`, imported when sampling starts (keeps the parser light)."""
    from bayes_mmm.inference.fit import fit as fit_model

    return fit_model(data, spec, **sampling)


def register(sub) -> None:
    demo = sub.add_parser("demo", help=f"fit the bundled demo data ({demo_csv_path()})")
    demo.add_argument("--out", type=Path, required=True, help="output directory")
    add_model_args(demo)
    add_lift_args(demo)
    add_output_args(demo)
    add_sampling_args(demo)
    add_debug_arg(demo)
    demo.set_defaults(func=run_fit)
    f = sub.add_parser("fit", help="fit a CSV of dates, outcome, channel spend and controls")
    add_data_args(f)
    f.add_argument("--out", type=Path, required=True, help="output directory")
    add_model_args(f)
    add_lift_args(f)
    add_output_args(f)
    add_sampling_args(f)
    add_debug_arg(f)
    f.set_defaults(func=run_fit)
    r = sub.add_parser(
        "report",
        help="write every output again from a saved model (model.nc)",
        description="Rewrite the whole output set (tables, fit.json, plots, model.nc) from a "
        "model saved by 'bayes-mmm fit', e.g. the <out>.partial/model.nc a failed run kept. "
        "A holdout score is not stored in the model: refit with --holdout-weeks for it.",
    )
    add_model_arg(r)
    add_report_args(r)  # --ci-prob, --quiet, --out (a folder, or NAME.html for the report only)
    add_output_args(r, holdout=False)
    g = r.add_argument_group("budget plan in report.html")
    g.add_argument("--horizon", type=int, help="weeks (periods) to plan (default 13 with a plan)")
    g.add_argument("--budget", type=float, help="total spend over the horizon, all channels")
    g.add_argument(
        "--objective",
        help="mean | quantile:P | cvar:P | profit:VALUE (as 'bayes-mmm optimize')",
    )
    add_debug_arg(r)
    r.set_defaults(func=run_report)


def _read_spec(path: Path) -> ModelSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"spec file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"spec file '{path}' cannot be read ({err})") from None
    try:
        return ModelSpec.from_json(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"spec file '{path}' is not valid JSON: {err}") from None
    except (ValueError, TypeError, KeyError) as err:
        raise ValueError(f"spec file '{path}': {err}") from None


def spec_from_args(args: argparse.Namespace) -> ModelSpec:
    """The spec file (if any) with ``--prior`` overrides applied."""
    base = _read_spec(args.spec) if args.spec else ModelSpec()
    for name in ("adstock", "saturation", "baseline", "geo_shapes", "geo_noise"):
        if getattr(args, name, None):
            base = base.replace(**{name: getattr(args, name)})
    priors, per_channel = dict(base.priors), {k: dict(v) for k, v in base.channel_priors.items()}
    for item in args.prior:
        name, sep, text = item.partition("=")
        if not sep:
            raise ValueError(
                f"--prior {item!r}: write NAME=DIST(...), e.g. decay=Beta(alpha=2, beta=2)"
            )
        channel, dot, param = name.strip().rpartition(".")
        if dot:
            per_channel.setdefault(channel, {})[param] = Prior.parse(text)
        else:
            priors[param] = Prior.parse(text)
    return base.replace(priors=priors, channel_priors=per_channel)


def _argument_problems(args: argparse.Namespace) -> tuple[ModelSpec | None, list[str]]:
    problems = sampling_problems(args) + out_problems(args.out, args.command)
    if args.init is not None:
        problems += [f"--init: {p}" for p in model_problems(args.init)]
    if args.holdout_weeks < 0:
        problems.append(f"--holdout-weeks must be 0 or more, got {args.holdout_weeks}")
    spec = None
    try:
        spec = spec_from_args(args)
    except (ValueError, TypeError) as err:
        problems.append(str(err))
    return spec, problems


def _read_data(args: argparse.Namespace, spec: ModelSpec):
    if args.command == "demo":
        data, _ = load_demo()
    else:
        data = read_csv(
            args.data,
            date=args.date,
            target=args.target,
            channels=names(args.channels),
            controls=names(args.controls),
            spec=spec,
            categorical=names(args.categorical),
            date_format=args.date_format,
            freq=args.freq,
            start_date=args.start_date,
            allow_negative_target=args.allow_negative_target,
            geo=args.geo,
            population=args.population,
            align=args.align,
            **input_options(args),
        )
    if args.lift_tests is not None:
        data = data.with_lift_tests(args.lift_tests)
    return data


def _prepare(args: argparse.Namespace):
    """Every check before any work: arguments, spec, data, priors, rows."""
    spec, problems = _argument_problems(args)
    if args.command != "demo":
        problems += input_problems(args)
    if problems:
        raise InputError(problems)
    data = _read_data(args, spec)
    weeks = args.holdout_weeks
    if weeks:
        if not 0 < weeks < data.n_dates:
            raise ValueError(
                f"--holdout-weeks must be between 1 and {data.n_dates - 1}, got {weeks}"
            )
        check_rows(data.slice(0, data.n_dates - weeks), spec)  # the holdout model's rows
    check_rows(data, spec)
    resolve_priors(data, spec)  # unknown channels in per-channel priors, bad supports
    return data, spec


OUTPUT_MODULES = ("bayes_mmm.analysis", "bayes_mmm.export", "bayes_mmm.export_geo")


def _earlier(path: Path | None):
    """``--init``'s fit (``bayes_mmm.io.load``: a damaged file is bad input naming it)."""
    if path is None:
        return None
    from bayes_mmm.io import load

    return load(path)


def _prestart_plots(args: argparse.Namespace) -> None:
    """Once the checks have passed: start the PNG worker, which imports matplotlib on the
    second core while this process imports, reads and builds (``bayes_mmm.plots.png``)."""
    if not args.no_plots:
        from bayes_mmm.plots.png import prestart

        prestart()


def run_fit(args: argparse.Namespace) -> int:
    with data_notes_to_stderr(args):
        data, spec = _prepare(args)
    _prestart_plots(args)
    from bayes_mmm._overlap import import_after_sampling
    from bayes_mmm.cli.interrupted import keep_draws

    import_after_sampling(*OUTPUT_MODULES)

    progress = not args.quiet
    sampling = dict(
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        target_accept=args.target_accept,
        sampler=args.sampler,
        progress=progress,
    )
    earlier = _earlier(args.init)  # before any sampling: a bad file is bad input
    held = None
    with sampling_warnings_to_stderr(), checked_work():
        try:
            result = fit(data, spec, init=earlier, **sampling)
        except KeyboardInterrupt as err:
            if args.keep_interrupted:
                err.note = keep_draws(err, args.out, data, spec, args)
            raise
        raise_if_interrupted()  # a sampler that swallowed Ctrl-C returned what it had
        if args.holdout_weeks:
            from bayes_mmm.analysis.checks import holdout as fit_holdout

            held = fit_holdout(data, args.holdout_weeks, spec, ci_prob=args.ci_prob, **sampling)
            raise_if_interrupted()
    return write_outputs(args, result, held)


def write_outputs(args: argparse.Namespace, result: MMMFit, held=None, plan=None) -> int:
    """Write the whole output set through a staging folder, then print the result table."""
    from bayes_mmm._gc import resume_collection
    from bayes_mmm.analysis.overview import Analysis
    from bayes_mmm.export import result_table, write_fit_outputs

    resume_collection()  # where a command fitted nothing (bayes_mmm._gc)
    progress = not args.quiet
    if result.data.n_geos > 1:
        return _write_geo_outputs(args, result, holdout=held)
    with staged(args.out, args.command) as tmp, checked_work():
        a = Analysis(result, args.ci_prob, holdout=held)
        written = write_fit_outputs(
            result,
            tmp,
            progress=progress,
            plots=not args.no_plots,
            analysis=a,
            html=not getattr(args, "no_report", False),
            plan=plan,
        )
        table = result_table(a)
    say(args, f"wrote {len(written)} files to {args.out}")
    for flag in a.learning_flags:
        say(args, f"note: {flag}")
    if progress:
        print(table, flush=True)
    return 0


def _write_geo_outputs(args: argparse.Namespace, result: MMMFit, allocation=None,
                       holdout=None) -> int:  # fmt: skip
    """A geo fit's outputs (:mod:`bayes_mmm.export_geo`), through the staging folder."""
    from bayes_mmm.analysis.summary import ci
    from bayes_mmm.export_geo import geo_result_table, write_geo_outputs

    progress = not args.quiet
    with staged(args.out, args.command) as tmp, checked_work():
        report = not getattr(args, "no_report", False)
        written = write_geo_outputs(result, tmp, args.ci_prob, progress, not args.no_plots, report,
                                    allocation, holdout)  # fmt: skip
        table = geo_result_table(tmp / "roi.csv")
    say(args, f"wrote {len(written)} files to {args.out} ({ci(args.ci_prob):.0%} intervals)")
    if progress:
        print(table, flush=True)
    return 0


def _geo_report(args: argparse.Namespace, result: MMMFit, plan: dict, html_only: bool) -> int:
    """``report`` of a geo fit: every output, or only its ``report.html`` (made with them in
    a temporary folder); ``plan`` (budget, objective, horizon) adds a national plan."""
    from bayes_mmm.export_geo import geo_plan, write_geo_report

    with checked_work():
        allocation = geo_plan(result, ci_prob=args.ci_prob, **plan) if plan else None
    if not html_only:
        return _write_geo_outputs(args, result, allocation)
    with checked_work():
        path = write_geo_report(result, args.out, args.ci_prob, allocation, not args.quiet)
    say(args, f"wrote {path}")
    return 0


def _plan_problems(args: argparse.Namespace) -> list[str]:
    """The report command's plan options, checked before any work."""
    problems = []
    if args.horizon is not None and args.horizon < 1:
        problems.append(f"--horizon must be a positive number of periods, got {args.horizon}")
    if args.budget is not None and not args.budget > 0:
        problems.append(f"--budget must be a positive total spend, got {args.budget}")
    problems += objective_problems(args.objective)
    return problems


def _html_problems(out: Path) -> list[str]:
    if out.is_dir():
        return [f"--out '{out}' is a folder; a name ending in .html writes only the report"]
    parent = out.absolute().parent
    if not parent.is_dir():
        return [f"--out '{out}': the folder '{parent}' does not exist"]
    return []


def run_report(args: argparse.Namespace) -> int:
    """Every output again from a saved model into a folder, or only ``report.html`` when
    ``--out`` ends in ``.html``; ``--budget/--objective/--horizon`` add a plan to the report."""
    html_only = args.out.suffix.lower() == ".html"
    out_check = _html_problems(args.out) if html_only else out_problems(args.out, args.command)
    problems = ci_problems(args) + _plan_problems(args) + out_check
    problems = problems or model_problems(args.model)  # arguments first; still before PyMC
    if problems:
        raise InputError(problems)
    if not html_only:
        _prestart_plots(args)
    from bayes_mmm.htmlreport import write_html_report
    from bayes_mmm.io import load

    result = load(args.model)  # ModelFileError (bad input) naming the file
    plan = {k: getattr(args, k) for k in ("budget", "objective", "horizon")}
    plan = {k: v for k, v in plan.items() if v is not None}
    if result.data.n_geos > 1:
        return _geo_report(args, result, plan, html_only)
    if not html_only:
        return write_outputs(args, result, plan=plan)
    with checked_work():
        path = write_html_report(result, args.out, ci_prob=args.ci_prob, **plan)
    say(args, f"wrote {path}")
    return 0
