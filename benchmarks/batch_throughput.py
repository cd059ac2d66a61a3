"""Throughput of ``bayes-mmm batch`` (Dask) against plain fits one after another.

    .venv/bin/python benchmarks/batch_throughput.py            # 8 jobs, 2 chains x 500 draws
    .venv/bin/python benchmarks/batch_throughput.py --quick    # 4 jobs, 2 chains x 200 draws

``--jobs`` simulated data sets (104 weeks, 3 channels, a promo control; one model structure,
as a brand x market batch has) are fitted and all of ``fit``'s outputs written, end to end as
the user waits (a fresh process, from its start to its last file), in four ways:

- ``plain``: one process, ``bm.fit`` + ``write_fit_outputs`` per job in a loop (chains in
  parallel over the cores, the default);
- ``plain_1core``: the same with one core per fit (``BAYES_MMM_CORES=1``), as a worker runs;
- ``batch_1``/``batch_2``: ``bayes-mmm batch jobs.csv --workers 1`` / ``2`` (local cluster).

Reported: wall, fits per minute, overhead per job of the batch against ``plain_1core``
(same work per fit, one core), the jobs' own wall in the workers, peak resident memory per
worker (and of the plain process), and the machine's 1-minute load average before and after
each run (other work on the machine slows everything: read the figures beside it). A warm-up
batch runs first so every configuration finds the compiled model in the on-disk cache.

Writes ``<out>/batch.csv`` and ``<out>/batch.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _table import markdown

HERE = Path(__file__).resolve().parent
PLAIN = """
import sys, warnings
from pathlib import Path
import pandas as pd
from bayes_mmm.batch.jobs import read_jobs
from bayes_mmm.batch.run import read_job_data
from bayes_mmm.inference.fit import fit
from bayes_mmm.export import write_fit_outputs
warnings.simplefilter("ignore")
for job in read_jobs(sys.argv[1]):
    result = fit(read_job_data(job), progress=False, **job.fit_kwargs())
    write_fit_outputs(result, Path(sys.argv[2]) / job.name, progress=False)
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def make_jobs(folder: Path, n: int, chains: int, draws: int) -> Path:
    import bayes_mmm as bm

    lines = ["name,data,date,target,channels,controls,chains,draws,tune,seed"]
    for i in range(n):
        sim = bm.simulate(104, ("tv", "search", "social"), seed=100 + i)
        sim.frame.to_csv(folder / f"brand{i}.csv", index=False)
        lines.append(
            f"brand{i},brand{i}.csv,date,sales,tv;search;social,promo,{chains},{draws},{draws},{i}"
        )
    path = folder / "jobs.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(cmd: list[str], env: dict) -> tuple[float, str, tuple[float, float]]:
    """Wall seconds, the process's output, the load average before and after."""
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        print(done.stderr[-3000:], file=sys.stderr)
    return wall, done.stdout, (load0, os.getloadavg()[0])


def run_config(name: str, jobs: Path, out: Path, n: int) -> dict:
    py = sys.executable
    env = dict(os.environ)
    if name.startswith("plain"):
        if name == "plain_1core":
            env["BAYES_MMM_CORES"] = "1"
        cmd = [py, "-c", PLAIN, str(jobs), str(out)]
    else:
        cli = str(Path(py).with_name("bayes-mmm"))
        workers = name.split("_")[1]
        cmd = [cli, "batch", str(jobs), "--out", str(out), "--workers", workers, "--quiet"]
    wall, stdout, (load0, load1) = timed(cmd, env)
    row = {
        "config": name,
        "jobs": n,
        "wall_seconds": wall,
        "fits_per_minute": 60 * n / wall,
        "load_before": load0,
        "load_after": load1,
        "cpu_count": os.cpu_count(),
    }
    summary = out / "batch_summary.csv"
    if summary.is_file():
        t = pd.read_csv(summary)
        row.update(
            done=int((t.status == "done").sum()),
            job_wall_median=float(t.wall_seconds.median()),
            job_fit_seconds_median=float((t.compile_seconds + t.sampling_seconds).median()),
            compiles_not_reused=int((t.compile_cache != "process").sum()),
            peak_job_memory_mb=float(t.peak_memory_mb.max()),
            peak_worker_memory_mb=float(t.groupby("worker").worker_max_rss_mb.max().max()),
        )
    else:
        row.update(done=sum((out / f"brand{i}" / "model.nc").is_file() for i in range(n)))
        row["peak_process_memory_mb"] = float(stdout.split()[-1]) if stdout.strip() else None
    return row


def write(rows: list[dict], out: Path, args) -> None:
    frame = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "batch.csv", index=False)  # every run; the table: medians per config
    order = list(dict.fromkeys(frame.config))
    frame = frame.groupby("config", sort=False).median(numeric_only=True).reset_index()
    frame = frame.set_index("config").loc[order].reset_index()
    base = frame.set_index("config").wall_seconds.get("plain_1core")
    frame["overhead_per_job_s"] = (frame.wall_seconds - base) / frame.jobs
    cols = ["config", "wall_seconds", "fits_per_minute", "overhead_per_job_s",
            "job_wall_median", "peak_worker_memory_mb", "peak_process_memory_mb",
            "compiles_not_reused", "load_before", "load_after"]  # fmt: skip
    table = markdown(frame.reindex(columns=cols), fmt=".2f")
    (out / "batch.md").write_text(
        f"# Batch throughput ({args.jobs} jobs, {args.chains} chains x {args.draws} draws "
        f"+ {args.draws} tune, 104 weeks x 3 channels)\n\n"
        f"Generated by `benchmarks/batch_throughput.py {' '.join(sys.argv[1:])}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; "
        f"medians of {args.repeat} run(s) per configuration, interleaved (every run: "
        "`batch.csv`).\n\n"
        f"{table}\n\n"
        "- `wall_seconds`: a fresh process's start to its last file (cluster start, worker "
        "imports, every fit and every output file); `fits_per_minute` = jobs x 60 / wall.\n"
        "- `overhead_per_job_s`: (wall - wall of `plain_1core`) / jobs: what the engine costs "
        "per job against the same single-core fits in one plain process.\n"
        "- `job_wall_median`: one job inside its worker (read data, fit, all outputs, rename); "
        "`peak_worker_memory_mb`: largest peak resident memory of a worker process "
        "(`peak_process_memory_mb`: of the plain process).\n"
        "- `compiles_not_reused`: jobs that did not find the compiled model in their worker's "
        "memory (at most one per worker process: one model structure).\n"
        "- `load_before`/`load_after`: 1-minute load average of the machine; above the core "
        "count, other work competes for the cores and two workers cannot run twice as fast.\n"
        "\nThe engine choice (Dask against Ray, measured): `batch_engine.md`.\n"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--quick", action="store_true", help="4 jobs, 200 draws")
    p.add_argument("--configs", default="plain,plain_1core,batch_1,batch_2")
    p.add_argument("--repeat", type=int, default=1, help="runs per configuration (median)")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    if args.quick:
        args.jobs, args.draws = 4, 200
    work = Path(tempfile.mkdtemp(prefix="bm_batch_bench_"))
    try:
        jobs = make_jobs(work, args.jobs, args.chains, args.draws)
        run_config("batch_2", jobs, work / "warmup", args.jobs)  # warm the compile cache
        rows = []
        for rep in range(args.repeat):
            for name in args.configs.split(","):
                row = run_config(name, jobs, work / f"{name}{rep}", args.jobs)
                rows.append({"run": rep, **row})
                print(rows[-1], file=sys.stderr, flush=True)
        write(rows, args.out, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print((args.out / "batch.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
