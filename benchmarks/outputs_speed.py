"""How long the demo's outputs take once the fit is done (issue 19: analysis, every plot and
every file under 2 s): ``write_fit_outputs`` as ``bayes-mmm demo`` calls it, split into the
tables (analysis + CSV/JSON + model.nc), the plots (drawn and saved as PNG) and the HTML
report, each from a freshly loaded fit (no cached analysis); wall seconds and, less
sensitive to the shared machine's load, the CPU seconds of the timing process and its
children (the PNG worker of ``bayes_mmm.plots.png``). ``--worker 0|1`` sets
``BAYES_MMM_PLOT_WORKER`` (default: the load-dependent choice). The fit (the
CLI's defaults, 4 chains x 1000 draws) is cached in ``--cache`` and not timed.

``--src DIR`` times another checkout (e.g. the commit before a change) with the same
interpreter and the same cached fit, for a before/after; the machine's load is printed.

    .venv/bin/python benchmarks/outputs_speed.py [--repeat 3] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIMER = """
import os, statistics, sys, tempfile, time
from pathlib import Path
import bayes_mmm as bm
from bayes_mmm.export import write_fit_outputs
fit_path, repeat = Path(sys.argv[1]), int(sys.argv[2])
def once(**kw):
    fit = bm.load(fit_path)
    with tempfile.TemporaryDirectory() as out:
        t0, c0 = time.perf_counter(), cpu()
        write_fit_outputs(fit, out, progress=False, **kw)
        return time.perf_counter() - t0, cpu() - c0
def cpu():  # this process and its children (the PNG worker, once it exited)
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
once()  # warm: imports, numba/matplotlib first use
runs = {k: [] for k in ("tables", "tables+plots", "all")}
for _ in range(repeat):
    runs["tables"].append(once(plots=False, html=False))
    runs["tables+plots"].append(once(plots=True, html=False))
    runs["all"].append(once())
cells = []
for i in (0, 1):  # wall seconds, then CPU seconds of this process
    m = {k: statistics.median(r[i] for r in v) for k, v in runs.items()}
    cells += [m["tables"], m["tables+plots"] - m["tables"], m["all"] - m["tables+plots"], m["all"]]
print("| " + " | ".join(f"{c:.2f}" for c in cells) + " |")
"""


def cached_fit(path: Path) -> Path:
    if not path.exists():
        import bayes_mmm as bm

        data, _ = bm.load_demo()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bm.SamplingWarning)
            bm.save(bm.fit(data, progress=False), path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", type=Path, action="append", help="also time this checkout")
    ap.add_argument("--worker", choices=("0", "1"), help="BAYES_MMM_PLOT_WORKER for the runs")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "demo_fit.nc")
    args = ap.parse_args()
    fit = cached_fit(args.cache)
    print(
        "| code | load before | tables s | plots s | report.html s | total s "
        "| tables CPU s | plots CPU s | report CPU s | total CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for src in [ROOT, *(args.src or [])]:
        src = src.resolve()
        env = dict(os.environ, PYTHONPATH=str(src))
        if args.worker is not None:
            env["BAYES_MMM_PLOT_WORKER"] = args.worker
        load = os.getloadavg()[0]
        cmd = [sys.executable, "-c", TIMER, str(fit), str(args.repeat)]
        done = subprocess.run(cmd, env=env, cwd=src, capture_output=True, text=True)
        row = done.stdout.strip().splitlines()[-1] if done.returncode == 0 else done.stderr[-300:]
        print(f"| {src} (worker {args.worker or 'auto'}) | {load:.2f} {row}")


if __name__ == "__main__":
    main()
