"""``fit_many``: fit a batch of jobs on a Dask cluster, each job's outputs in ``DIR/name/``."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from bayes_mmm.batch import summary
from bayes_mmm.batch.engine import describe, open_engine, run_each
from bayes_mmm.batch.jobs import Job, as_jobs
from bayes_mmm.batch.run import clear_stale, is_done, run_job


def fit_many(
    jobs,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
    memory_limit: str | int | None = "auto",
    force: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Fit every job, in parallel on a Dask cluster; returns the batch summary table.

    ``jobs``: a ``jobs.csv`` path, a DataFrame or dicts with its columns, or
    :class:`~bayes_mmm.batch.jobs.Job` s; all are validated before anything starts. Each
    job's outputs (those of ``bayes-mmm fit``, plus ``job.json``) go to ``out/<name>/``,
    written atomically; a job finished by an earlier run is skipped unless ``force``. A job
    that fails (bad data, an error, its worker dying) is reported with its reason in the
    summary (``out/batch_summary.csv``) and does not stop the others.

    Engine: a local cluster of ``workers`` single-threaded processes (default one per core,
    each bounded by ``memory_limit``, Dask's syntax: ``"4GB"``, ``"auto"``), or the cluster
    at ``scheduler`` (default ``$DASK_SCHEDULER_ADDRESS``), or an open ``client``.
    """
    jobs = as_jobs(jobs)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    order = [j.name for j in jobs]
    rows: dict[str, dict] = {}
    todo: list[Job] = []
    for job in jobs:
        if not force and is_done(out, job.name):
            rows[job.name] = summary.finished_row(out, job.name)
        else:
            clear_stale(out, job.name)
            todo.append(job)
    skipped = len(jobs) - len(todo)
    if not todo:
        summary.say(f"all {len(jobs)} jobs finished before; nothing to fit", progress)
        frame = summary.table(rows, order)
        summary.write(frame, out)
        return frame
    t0 = time.perf_counter()
    with open_engine(workers, scheduler=scheduler, memory_limit=memory_limit, client=client) as c:
        engine = describe(c)
        summary.say(
            f"batch: {len(todo)} jobs to fit ({skipped} finished before, skipped) on "
            f"{engine['workers']} workers x 1 thread at {engine['scheduler']}, memory limit "
            f"{engine['memory_limit_mb_per_worker']} MB per worker",
            progress,
        )

        def on_done(name: str, row: dict | None, error: BaseException | None) -> None:
            if error is not None:
                row = summary.failed_row(name, error, engine["memory_limit_mb_per_worker"])
                clear_stale(out, name)
            rows[name] = row
            summary.say(summary.line(row, len(rows) - skipped, len(todo)), progress)
            summary.write(summary.table(rows, order), out)

        run_each(c, run_job, [(j.name, (j, str(out))) for j in todo], on_done)
    wall = time.perf_counter() - t0
    frame = summary.table(rows, order)
    ran = frame[frame.status != "skipped"]
    engine.update(
        jobs=len(jobs),
        fitted=int((ran.status == "done").sum()),
        failed=int((ran.status == "failed").sum()),
        skipped=skipped,
        wall_seconds=wall,
        fits_per_minute=60 * int((ran.status == "done").sum()) / wall,
    )
    summary.write(frame, out, engine)
    summary.say(
        f"batch finished in {wall:.1f} s: {engine['fitted']} fitted, {engine['failed']} failed, "
        f"{skipped} skipped; summary in {out / summary.SUMMARY}",
        progress,
    )
    return frame
