"""``bayes-mmm batch jobs.csv --out DIR``: many fits at once on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "batch",
        help="fit every job of a jobs.csv in parallel (Dask), outputs in DIR/<name>/",
        description="Columns of jobs.csv: name, data, date, target, channels, controls "
        "(lists separated by ';') and any fit option (draws, tune, chains, seed, "
        "target_accept, sampler, spec, lift_tests, holdout_weeks, ci_prob, plots, where) and "
        "fit's inputs (media_exposure: SPEND=EXPOSURE items, organic, revenue_per_kpi, "
        "holidays, events, baseline). "
        "Finished jobs are skipped on a re-run unless --force; DIR/batch_summary.csv lists "
        "every job's status, reason, wall time, diagnostics and ROI.",
    )
    p.add_argument("jobs", type=Path, help="jobs.csv, one row per model")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes, one fit each (default: one per core)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://host:8786 (default: "
        "$DASK_SCHEDULER_ADDRESS, else a local cluster)",
    )
    p.add_argument(
        "--memory-limit",
        default="auto",
        help="memory per local worker, e.g. 4GB (default auto: the machine's memory / workers)",
    )
    p.add_argument("--force", action="store_true", help="refit jobs that finished before")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    from bayes_mmm._gc import resume_collection
    from bayes_mmm.batch import fit_many, read_jobs  # imported when the work starts

    resume_collection()  # a batch runs for hours: collect as usual (bayes_mmm._gc)

    jobs = read_jobs(args.jobs)  # every problem of the file, before a cluster starts
    table = fit_many(
        jobs,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        memory_limit=args.memory_limit,
        force=args.force,
        progress=not args.quiet,
    )
    failed = table[table.status == "failed"]
    if len(failed):
        print(
            f"error: {len(failed)} of {len(table)} jobs failed ({', '.join(failed.name)}); "
            f"reasons in {args.out / 'batch_summary.csv'}",
            file=sys.stderr,
        )
        return 1
    return 0
