"""End to end as the user waits (issue 19): ``bayes-mmm`` in a fresh process, from process
start to the last file, with the phase breakdown: import (the PyMC stack, timed apart in its
own process), compile and sampling (from ``diagnostics.json``) and the rest (reading and
checking the data, analysis, plots, every file). Rows:

- **cold**: every cache empty (bayes_mmm's compile cache and pytensor's compile directory);
- **new shape**: a data set of another number of weeks and channels, after the cold run
  (compiled code of other shapes on disk);
- **warm**: the first data set again.

The demo (``bayes-mmm demo``: 156 weeks, 4 channels) and a simulated 104-week, 6-channel CSV,
4 chains x 1000 draws (+1000 tune), nutpie. The machine's load average is printed beside
each row (the machine may be shared: times are inflated by the load).

    .venv/bin/python benchmarks/end_to_end.py [--draws 1000] [--keep-caches] [--src DIR]
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
HEAVY = "import bayes_mmm.cli, pymc, pytensor, nutpie, arviz, matplotlib.pyplot"


def run(argv: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    cwd = env.get("PYTHONPATH", ROOT)  # ``-m`` finds bayes_mmm in the working folder first
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return time.perf_counter() - t0


def simulated_csv(folder: Path) -> list[str]:
    import bayes_mmm as bm

    sim = bm.simulate(104, channels=tuple(f"ch{i}" for i in range(6)), seed=5)
    path = folder / "sim_104x6.csv"
    sim.frame.to_csv(path, index=False)
    roles = ["--date", sim.date, "--target", sim.target, "--channels", ",".join(sim.channels)]
    return ["fit", str(path), *roles, "--controls", ",".join(sim.controls)]


def row(name: str, command: list[str], out: Path, env: dict, sampling: list[str]) -> str:
    load = os.getloadavg()[0]
    importing = run([sys.executable, "-c", HEAVY], env)
    cli = [sys.executable, "-m", "bayes_mmm.cli", *command, "--out", str(out), "--quiet"]
    total = run([*cli, *sampling], env)
    d = json.loads((out / "diagnostics.json").read_text())
    compile_s, sampling_s = d["compile_seconds"], d["sampling_seconds"]
    rest = total - importing - compile_s - sampling_s
    return (
        f"| {name} | {load:.1f} | {total:.1f} | {importing:.1f} | {compile_s:.1f} | "
        f"{sampling_s:.1f} | {rest:.1f} | {d['min_ess_bulk']:.0f} | {d['divergences']} | "
        f"{d['max_r_hat']:.3f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--keep-caches", action="store_true", help="no cold row (keep caches)")
    ap.add_argument("--src", type=Path, help="time this checkout of bayes_mmm (before/after)")
    args = ap.parse_args()
    sampling = ["--draws", str(args.draws), "--tune", str(args.draws)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ)
        if args.src is not None:
            env["PYTHONPATH"] = str(args.src.resolve())
        if not args.keep_caches:  # empty caches of this run only (the user's are untouched)
            env["BAYES_MMM_CACHE_DIR"] = str(tmp / "cache")
            env["PYTENSOR_FLAGS"] = f"compiledir={tmp / 'pytensor'}"
        print("| run | load | total s | import s | compile s | sampling s | rest s "
              "| min ESS | div | max r_hat |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        demo = ["demo"]
        first = "warm (demo)" if args.keep_caches else "cold (demo 156x4)"
        print(row(first, demo, tmp / "a", env, sampling), flush=True)
        print(row("new shape (104x6)", simulated_csv(tmp), tmp / "b", env, sampling), flush=True)
        print(row("warm (demo 156x4)", demo, tmp / "c", env, sampling), flush=True)


if __name__ == "__main__":
    main()
