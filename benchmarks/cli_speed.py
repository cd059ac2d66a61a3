"""Wall time of the command line's quick answers, as the user waits (process start to exit):
``--help`` of the program and of ``fit``, and bad-input errors (a missing column, a file that
is not a CSV, ``--ci-prob 1.5``, a spec that is not JSON, an unknown prior family, too few
rows). Each is run ``--repeat`` times in a fresh process; the median is reported with the
machine's load average (the machine may be shared).

``--src DIR`` times another checkout of bayes_mmm (e.g. the commit before the import-light
change: ``git worktree add /tmp/old <commit>``) with the same interpreter, for a before/after.

    .venv/bin/python benchmarks/cli_speed.py [--repeat 5] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cases(tmp: Path) -> dict[str, list[str]]:
    csv = tmp / "sales.csv"
    rows = ["date,sales,tv,search"] + [
        f"2024-{1 + i // 4:02d}-{1 + 7 * (i % 4):02d},{100 + i},{i % 5},{i % 3}" for i in range(12)
    ]
    csv.write_text("\n".join(rows) + "\n")
    (tmp / "bin.csv").write_bytes(bytes(range(256)) * 8)
    (tmp / "spec.json").write_text("{not json")
    out = str(tmp / "out")
    fit = ["fit", str(csv), "--date", "date", "--target", "sales", "--out", out]
    return {
        "--help": ["--help"],
        "fit --help": ["fit", "--help"],
        "missing column": [*fit, "--channels", "tv,radio"],
        "binary file": [*fit[:1], str(tmp / "bin.csv"), *fit[2:], "--channels", "tv"],
        "--ci-prob 1.5": [*fit, "--channels", "tv,search", "--ci-prob", "1.5"],
        "spec not JSON": [*fit, "--channels", "tv,search", "--spec", str(tmp / "spec.json")],
        "unknown prior": [*fit, "--channels", "tv,search", "--prior", "decay=Foo(a=1)"],
        "too few rows": [*fit, "--channels", "tv,search"],
    }


def time_once(argv: list[str], env: dict, cwd: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True)
    return time.perf_counter() - t0, done.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--src", type=Path, help="time this checkout of bayes_mmm instead")
    args = ap.parse_args()
    env = dict(os.environ)
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    label = (args.src or ROOT).resolve()  # also the working folder: ``-m`` looks there first
    with tempfile.TemporaryDirectory() as tmp:
        print(f"bayes_mmm from {label}; python {sys.version.split()[0]}; {args.repeat} runs each")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print("| case | exit | median s | min s |\n|---|---|---|---|")
        for name, argv in cases(Path(tmp)).items():
            cmd = [sys.executable, "-m", "bayes_mmm.cli", *argv]
            runs = [time_once(cmd, env, label) for _ in range(args.repeat)]
            secs = [s for s, _ in runs]
            print(f"| {name} | {runs[0][1]} | {statistics.median(secs):.2f} | {min(secs):.2f} |")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
