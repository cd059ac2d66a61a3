"""One job, run inside a worker: read its data, fit, write its outputs atomically.

The outputs are written to a staging folder beside ``DIR/name`` (``DIR/.name.staging-*``)
and renamed into place only when complete, with ``job.json`` (the job's summary row) and the
``.done`` marker written last: ``DIR/name`` holds all of a job's outputs or does not exist.
A job that fails leaves no ``DIR/name`` (its staging folder is removed) and its traceback in
``DIR/.batch/name.error.txt``; the returned row says why.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import threading
import time
import traceback
import uuid
import warnings
from pathlib import Path

import pandas as pd

from bayes_mmm.batch.jobs import Job
from bayes_mmm.data.validate import DataValidationError

DONE = ".done"
JOB_FILE = "job.json"
ERRORS = ".batch"
CRASH_HOOK = "BAYES_MMM_TEST_CRASH_JOB"  # test hook: the worker running this job dies mid-run
SINGLE_THREAD_ENV = {
    "BAYES_MMM_CORES": "1",  # nutpie/PyMC chains one after another (bayes_mmm.inference.samplers)
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


def single_threaded() -> None:
    """One core per fit: set in every worker (also on a cluster we did not start)."""
    os.environ.update(SINGLE_THREAD_ENV)


def is_done(out_dir: Path, name: str) -> bool:
    return (out_dir / name / DONE).is_file()


class PeakMemory:
    """Peak resident memory of this process while the block runs (sampled every 50 ms)."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self._proc, self._interval = psutil.Process(), interval
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()

    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def read_job_data(job: Job, spec=None):
    """The job's :class:`MMMData` (only the ``where`` rows of its file when it has one)."""
    from bayes_mmm.data.dataset import from_frame, read_csv
    from bayes_mmm.data.read import read_table

    if not job.where:
        return read_csv(
            job.data,
            date=job.date,
            target=job.target,
            channels=job.channels,
            controls=job.controls,
            spec=spec,
            lift_tests=job.lift_tests,
            **job.inputs,
        )
    df = read_table(job.data)  # index: the file's line numbers
    missing = [c for c, _ in job.where if c not in df.columns]
    if missing:
        raise DataValidationError([f"where: column(s) {missing} not in '{job.data}'"])
    for col, value in job.where:
        df = df[df[col].astype(str).str.strip() == value]
    if df.empty:
        raise DataValidationError([f"no rows of '{job.data}' match where {dict(job.where)}"])
    return from_frame(
        df.drop(columns=[c for c, _ in job.where]),
        date=job.date,
        target=job.target,
        channels=job.channels,
        controls=job.controls,
        spec=spec,
        unit="line",
        lift_tests=job.lift_tests,
        **job.inputs,
    )


def _spec(job: Job):
    from bayes_mmm.model.spec import ModelSpec

    spec = ModelSpec.from_json(job.spec.read_text()) if job.spec else None
    if job.baseline is not None:
        spec = (spec or ModelSpec()).replace(baseline=job.baseline)
    return spec


def _fit_and_write(job: Job, stage: Path) -> tuple[object, list[str]]:
    """Fit ``job`` and write its outputs to ``stage``; returns the fit and its warnings."""
    from bayes_mmm.analysis.checks import holdout as fit_holdout
    from bayes_mmm.export import write_fit_outputs
    from bayes_mmm.inference.diagnostics import SamplingWarning
    from bayes_mmm.inference.fit import fit

    spec = _spec(job)
    data = read_job_data(job, spec)
    kwargs = {**job.fit_kwargs(), "progress": False}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        result = fit(data, spec, **kwargs)
        held = None
        if job.holdout_weeks:
            held = fit_holdout(data, job.holdout_weeks, spec, ci_prob=job.ci_prob, **kwargs)
    if os.environ.get(CRASH_HOOK) == job.name:  # test hook: die in the middle of the job
        (stage / "partial.txt").write_text("the worker died here\n")
        os._exit(70)
    write_fit_outputs(
        result, stage, ci_prob=job.ci_prob, progress=False, holdout=held, plots=job.plots
    )
    messages = [str(w.message) for w in caught if issubclass(w.category, SamplingWarning)]
    return result, messages


def _row(job: Job, result, stage: Path) -> dict:
    d = result.diagnostics
    row = {
        "max_r_hat": d.max_r_hat,
        "min_ess_bulk": d.min_ess_bulk,
        "divergences": d.divergences,
        "sampler": d.sampler,
        "compile_path": d.compile_path,
        "compile_cache": d.compile_cache,
        "compile_seconds": d.compile_seconds,
        "sampling_seconds": d.sampling_seconds,
    }
    roi = pd.read_csv(stage / "roi.csv")
    row.update({f"roi_mean_{c}": float(v) for c, v in zip(roi.channel, roi.roi_mean, strict=True)})
    return row


def publish(stage: Path, final: Path) -> None:
    """Move a complete staging folder to ``final`` (replacing an older one)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(stage, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clear_stale(out_dir: Path, name: str) -> None:
    """Remove staging folders a dead run left for ``name``."""
    for stale in out_dir.glob(f".{name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


def run_job(job: Job, out_dir: str) -> dict:
    """Fit one job and write ``out_dir/name/`` atomically; never raises for the job's own
    failure: the returned row has ``status`` ``done`` or ``failed`` and the ``reason``."""
    single_threaded()
    import json

    from bayes_mmm.io import write_json

    out = Path(out_dir)
    t0 = time.perf_counter()
    stage = out / f".{job.name}.staging-{uuid.uuid4().hex[:8]}"
    row = {"name": job.name, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    with PeakMemory() as mem:
        try:
            stage.mkdir(parents=True)
            result, messages = _fit_and_write(job, stage)
            row.update(status="done", reason="; ".join(messages), **_row(job, result, stage))
        except Exception as err:  # the job's failure is its result, reported in the summary
            shutil.rmtree(stage, ignore_errors=True)
            bad_data = isinstance(err, DataValidationError)
            kind = "bad data" if bad_data else f"error ({type(err).__name__}, likely a bug)"
            row.update(status="failed", reason=f"{kind}: {err}".replace("\n", " "))
            (out / ERRORS).mkdir(exist_ok=True)
            (out / ERRORS / f"{job.name}.error.txt").write_text(traceback.format_exc())
    row["wall_seconds"] = time.perf_counter() - t0
    row["peak_memory_mb"] = mem.peak / 2**20
    row["worker_max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if row["status"] == "done":
        write_json(row, stage / JOB_FILE)
        (stage / DONE).write_text(json.dumps({"finished": time.time()}) + "\n")
        publish(stage, out / job.name)
        (out / ERRORS / f"{job.name}.error.txt").unlink(missing_ok=True)
    return row
