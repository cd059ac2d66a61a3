"""Where a warm ``bayes-mmm fit`` spends its time: each data set of a
``compare_pymc_marketing.py`` run fitted again from the command line with that run's warm
compile caches, every log line time-stamped from process start (issue 19's per-phase
breakdown in ``results/speed.md``).

    .venv/bin/python benchmarks/cli_phases.py --run benchmarks/results/compare_i19r \
        104x4 156x5 208x8 209x10c7
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def phases(run: Path, dataset: str, out: Path) -> list[str]:
    """Fit ``dataset`` of ``run`` (its CSV, its bayes_mmm caches); lines ``seconds  message``."""
    caches, data = run / "tmp" / "caches" / "bayes_mmm", run / "tmp" / "compare"
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={caches / 'pytensor'}")
    env.update(BAYES_MMM_CACHE_DIR=str(caches / "bayes_mmm"), NUMBA_CACHE_DIR=str(caches / "numba"))
    columns = (data / f"{dataset}.csv").open().readline().strip().split(",")
    channels = [c for c in columns if c.startswith("ch")]
    controls = [c for c in columns if c not in channels and c not in ("date", "sales", "trend")]
    cmd = [str(Path(sys.executable).with_name("bayes-mmm")), "fit", str(data / f"{dataset}.csv"),
           "--date", "date", "--target", "sales", "--channels", ",".join(channels),
           "--controls", ",".join(controls), "--seed", "102", "--out", str(out)]  # fmt: skip
    load = Path("/proc/loadavg").read_text().split()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT)  # fmt: skip
    lines = [f"{time.perf_counter() - t0:6.2f}  {line.rstrip()[:100]}" for line in proc.stderr]
    proc.wait()
    total = time.perf_counter() - t0
    d = json.loads((out / "diagnostics.json").read_text())
    compile_s, sampling_s = d["compile_seconds"], d["sampling_seconds"]
    head = (f"== {dataset}: total {total:.2f} s, load {load}, "
            f"compile {compile_s:.2f} s, sampling {sampling_s:.2f} s")  # fmt: skip
    return [head, *(line for line in lines if "note:" not in line)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--run", type=Path, required=True, help="a compare_pymc_marketing.py --out")
    p.add_argument("datasets", nargs="+")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for ds in args.datasets:
            sys.stdout.write("\n".join(phases(args.run, ds, Path(tmp) / ds)) + "\n")


if __name__ == "__main__":
    main()
