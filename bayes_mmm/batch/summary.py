"""The batch summary: one row per job (status, reason, wall, diagnostics, compile path, peak
memory, ROI per channel) in ``DIR/batch_summary.csv``, and one progress line per job."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from bayes_mmm.batch.run import JOB_FILE
from bayes_mmm.io import write_csv, write_json
from bayes_mmm.logs import log

SUMMARY = "batch_summary.csv"
ENGINE_FILE = "batch.json"
FIRST = (
    "name",
    "status",
    "reason",
    "wall_seconds",
    "max_r_hat",
    "min_ess_bulk",
    "divergences",
    "sampler",
    "compile_path",
    "compile_cache",
    "compile_seconds",
    "sampling_seconds",
    "peak_memory_mb",
    "worker_max_rss_mb",
    "worker",
)


def finished_row(out_dir: Path, name: str) -> dict:
    """The summary row a finished job stored (``status`` becomes ``skipped``)."""
    row = json.loads((out_dir / name / JOB_FILE).read_text())
    return {**row, "status": "skipped"}


def failed_row(name: str, error: BaseException, limit_mb: float | None = None) -> dict:
    """The row of a job whose task raised outside ``run_job`` (its worker died, ...)."""
    if type(error).__name__ == "KilledWorker":
        limit = f" of {limit_mb:.0f} MB" if limit_mb else ""
        reason = (
            f"worker died while running this job (KilledWorker): its memory passed the "
            f"worker's limit{limit}, or native code crashed; the worker's log says which"
        )
    else:
        reason = f"engine error ({type(error).__name__}): {error}"
    return {"name": name, "status": "failed", "reason": reason.replace("\n", " ")}


def table(rows: dict[str, dict], order: list[str]) -> pd.DataFrame:
    """Rows in job order, the fixed columns first, then ``roi_mean_<channel>`` columns."""
    frame = pd.DataFrame([rows[n] for n in order if n in rows])
    rest = sorted(c for c in frame.columns if c not in FIRST)
    return frame.reindex(columns=[*FIRST, *rest])


def write(frame: pd.DataFrame, out_dir: Path, engine: dict | None = None) -> Path:
    if engine is not None:
        write_json(engine, out_dir / ENGINE_FILE)
    return write_csv(frame, out_dir / SUMMARY)


BAR_WIDTH = 20


def bar(k: int, n: int, width: int = BAR_WIDTH) -> str:
    """A text progress bar, e.g. ``[#####...............] 1/4``."""
    filled = round(width * k / n) if n else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {k}/{n}"


def line(row: dict, k: int, n: int) -> str:
    """One progress line for a finished job, led by the batch's progress bar."""
    head = f"{bar(k, n)} {row['name']}: "
    if row["status"] == "failed":
        wall = row.get("wall_seconds")
        after = f" after {wall:.1f} s" if wall is not None and wall == wall else ""
        return head + f"FAILED{after}: {row['reason']}"
    return head + (
        f"{row['status']} in {row['wall_seconds']:.1f} s | max r_hat {row['max_r_hat']:.3f} | "
        f"min ESS {row['min_ess_bulk']:.0f} | {row['divergences']} divergences | compile "
        f"{row['compile_path']}/{row['compile_cache']} {row['compile_seconds']:.1f} s | "
        f"peak {row['peak_memory_mb']:.0f} MB"
    )


def say(msg: str, progress: bool) -> None:
    if progress:
        log.info("%s", msg)
