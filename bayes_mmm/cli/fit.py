"""``bayes-mmm demo`` and ``bayes-mmm fit``: fit a model and write its outputs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bayes_mmm.analysis.checks import holdout as fit_holdout
from bayes_mmm.cli.common import add_sampling_args, names, sampling_warnings_to_stderr
from bayes_mmm.data.dataset import read_csv
from bayes_mmm.data.demo import demo_csv_path, load_demo
from bayes_mmm.fit import fit
from bayes_mmm.model import check_rows
from bayes_mmm.priors import Prior
from bayes_mmm.report import write_fit_outputs
from bayes_mmm.spec import ModelSpec


def _add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--spec", type=Path, help="model spec as JSON (see README: 'Model spec')")
    g.add_argument(
        "--prior",
        action="append",
        default=[],
        metavar="NAME=DIST(...)",
        help="override a prior, e.g. --prior 'decay=Beta(alpha=3, beta=3)' or, per channel, "
        "--prior 'tv.roi=LogNormal(mu=0.3, sigma=0.3)'; repeatable",
    )


def _add_lift_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lift-tests",
        type=Path,
        metavar="CSV",
        help="experiments' measured lifts, columns channel,spend,delta_spend,lift,sigma (per "
        "period; delta_spend=-spend for a go-dark test): the model fits them too (README: "
        "'Lift tests'); lift_tests.csv compares the fit with each",
    )


def _add_output_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("analysis")
    g.add_argument(
        "--holdout-weeks",
        type=int,
        default=0,
        metavar="H",
        help="also fit a model on all but the last H periods and score its forecast of them "
        "(R², MAPE, interval coverage in fit.json, plots/holdout.png); default 0: none",
    )
    g.add_argument("--no-plots", action="store_true", help="do not draw plots/*.png")
    g.add_argument("--no-report", action="store_true", help="do not write report.html")


def register(sub) -> None:
    demo = sub.add_parser("demo", help=f"fit the bundled demo data ({demo_csv_path()})")
    demo.add_argument("--out", type=Path, required=True, help="output directory")
    _add_model_args(demo)
    _add_lift_args(demo)
    _add_output_args(demo)
    add_sampling_args(demo)
    demo.set_defaults(func=run_fit)
    f = sub.add_parser("fit", help="fit a CSV of dates, outcome, channel spend and controls")
    f.add_argument("data", type=Path, help="CSV file, one row per week (or day)")
    f.add_argument("--date", required=True, help="date column")
    f.add_argument("--target", required=True, help="outcome column (e.g. sales)")
    f.add_argument("--channels", required=True, help="comma-separated spend columns")
    f.add_argument("--controls", default="", help="comma-separated control columns")
    f.add_argument("--out", type=Path, required=True, help="output directory")
    _add_model_args(f)
    _add_lift_args(f)
    _add_output_args(f)
    add_sampling_args(f)
    f.set_defaults(func=run_fit)


def spec_from_args(args: argparse.Namespace) -> ModelSpec:
    """The spec file (if any) with ``--prior`` overrides applied."""
    base = ModelSpec.from_json(args.spec.read_text()) if args.spec else ModelSpec()
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


def run_fit(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
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
        )
    if args.lift_tests is not None:
        data = data.with_lift_tests(args.lift_tests)
    weeks = args.holdout_weeks
    if weeks:
        if not 0 < weeks < data.n_dates:
            raise ValueError(
                f"--holdout-weeks must be between 1 and {data.n_dates - 1}, got {weeks}"
            )
        check_rows(data.slice(0, data.n_dates - weeks), spec)  # the holdout model's rows
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
    held = None
    with sampling_warnings_to_stderr():
        result = fit(data, spec, **sampling)
        if weeks:
            held = fit_holdout(data, weeks, spec, ci_prob=args.ci_prob, **sampling)
    write_fit_outputs(
        result,
        args.out,
        ci_prob=args.ci_prob,
        progress=progress,
        holdout=held,
        plots=not args.no_plots,
        html=not args.no_report,
    )
    if progress:
        print(json.dumps(result.diagnostics.to_dict()), file=sys.stderr)
    return 0
