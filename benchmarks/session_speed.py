"""A fit in a session (a notebook, a script fitting several data sets): the imports are paid
once, so what the analyst waits for is the fit and its outputs. Ours: ``bm.fit`` (default
settings, 4 x 1000 + 1000 tune) plus ``write_fit_outputs`` (model.nc, 8 tables, 7 PNGs,
report.html), repeated in one process; PyMC-Marketing: ``MMM.fit`` (logistic saturation,
nutpie, the same settings) in its own process, as ``compare_pymc_marketing.py`` runs it. Both
on the CSVs and warm compile caches of a ``compare_pymc_marketing.py`` run, alternating.

    .venv/bin/python benchmarks/session_speed.py --run benchmarks/results/compare_i19t \
        --datasets 104x4,156x5 --reps 3 --out benchmarks/results/session_speed.md
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

HERE = Path(__file__).resolve().parent
PMM_PYTHON = HERE / ".venv-pmm" / "bin" / "python"


def _env(run: Path, side: str) -> dict:
    caches = run / "tmp" / "caches" / side
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={caches / 'pytensor'}")
    env.update(BAYES_MMM_CACHE_DIR=str(caches / "bayes_mmm"), NUMBA_CACHE_DIR=str(caches / "numba"))
    return env


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def ours(spec: dict) -> dict:
    """One fit and its outputs in this process: seconds per phase."""
    import warnings

    import pandas as pd

    import bayes_mmm as bm
    from bayes_mmm.export import write_fit_outputs

    load = _load()
    t0 = time.perf_counter()
    frame = pd.read_csv(spec["csv"], parse_dates=["date"])
    data = bm.from_frame(
        frame, date="date", target="sales", channels=spec["channels"], controls=spec["controls"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.fit(data, seed=spec["seed"], progress=False)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        files = write_fit_outputs(fit, out, ci_prob=0.9, progress=False)
    t2 = time.perf_counter()
    d = fit.diagnostics
    return {"load": load, "fit": t1 - t0, "outputs": t2 - t1, "total": t2 - t0,
            "compile": d.compile_seconds, "sampling": d.sampling_seconds, "files": len(files),
            "min_ess": d.min_ess_bulk, "r_hat": d.max_r_hat, "div": d.divergences}  # fmt: skip


def pmm(spec_path: Path, run: Path) -> dict:
    """PyMC-Marketing's worker of ``compare_pymc_marketing.py`` in a fresh process."""
    load = _load()
    cmd = [str(PMM_PYTHON), str(HERE / "compare_pymc_marketing.py"), "--worker", "pmm_logistic",
           "--spec", str(spec_path)]  # fmt: skip
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=_env(run, "pmm"), check=True)
    wall = time.perf_counter() - t0
    line = next(x for x in res.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line.removeprefix("RESULT "))
    return {"load": load, "fit": out["t_fit"], "process": wall, "min_ess": out["min_ess_bulk"],
            "r_hat": out["max_r_hat"], "div": out["divergences"]}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--run", type=Path, required=True, help="a compare_pymc_marketing.py --out")
    p.add_argument("--datasets", default="104x4,156x5")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--worker", help=argparse.SUPPRESS)  # ours, in one process: specs as JSON
    args = p.parse_args()
    if not args.worker and not PMM_PYTHON.exists():
        p.error(f"no {PMM_PYTHON}: run compare_pymc_marketing.py --quick once to set it up")
    if args.worker:
        for spec in json.loads(args.worker):
            sys.stdin.readline()  # the go-ahead: nothing else runs meanwhile
            print("RESULT " + json.dumps({"dataset": spec["dataset"], **ours(spec)}), flush=True)
        return
    rows = []
    for ds in args.datasets.split(","):
        spec_path = args.run / "tmp" / "compare" / f"spec_{ds}_pmm_logistic.json"
        spec = json.loads(spec_path.read_text())
        # ours: a warm-up fit (the session's first: imports, loading the compiled model),
        # then one per repetition, in the same process; PMM between them in its own process
        specs = [dict(spec, dataset=ds)] * (args.reps + 1)
        proc = subprocess.Popen(
            [sys.executable, __file__, "--run", str(args.run), "--out", "-", "--worker",
             json.dumps(specs)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=_env(args.run, "bayes_mmm"),
        )  # fmt: skip
        for rep in range(args.reps + 1):
            proc.stdin.write("go\n")
            proc.stdin.flush()
            line = next(x for x in proc.stdout if x.startswith("RESULT "))
            rows.append({"side": "ours", "rep": rep, **json.loads(line.removeprefix("RESULT "))})
            if rep:
                rows.append({"side": "pmm", "rep": rep, "dataset": ds, **pmm(spec_path, args.run)})
            print(rows[-1], file=sys.stderr, flush=True)
        proc.stdin.close()
        proc.wait()
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    head = "# In a session: `bm.fit` + its outputs vs PyMC-Marketing's `MMM.fit`\n\n"
    args.out.write_text(head + f"`{' '.join(sys.argv[1:])}`\n\n" + table(rows))


def table(rows: list[dict]) -> str:
    """Per data set: our first fit in the session, our later fits (median), PMM's fits."""
    import pandas as pd

    df = pd.DataFrame(rows)
    out = ["| data set | ours: first fit in the session (fit + outputs) s | ours later: fit s | "
           "+ outputs s | = total s | PMM `MMM.fit` s (process s) | PMM fit / our total | "
           "PMM fit / our fit | ours min ESS / r_hat / div | PMM min ESS / r_hat / div | load |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for ds, g in df.groupby("dataset", sort=False):
        first = g[(g.side == "ours") & (g.rep == 0)].iloc[0]
        o = g[(g.side == "ours") & (g.rep > 0)].median(numeric_only=True)
        p = g[g.side == "pmm"].median(numeric_only=True)
        out.append(
            f"| {ds} | {first.total:.1f} (compile {first.compile:.1f}) | {o.fit:.2f} | "
            f"{o.outputs:.2f} | {o.total:.2f} | {p.fit:.1f} ({p.process:.1f}) | "
            f"**{p.fit / o.total:.1f}x** | {p.fit / o.fit:.1f}x | "
            f"{o.min_ess:.0f} / {o.r_hat:.3f} / {o['div']:.0f} | "
            f"{p.min_ess:.0f} / {p.r_hat:.3f} / {p['div']:.0f} | "
            f"{g.load.min():.1f}-{g.load.max():.1f} |"
        )
    return "\n".join(out) + "\n\n(medians over the repetitions after the first)\n"


if __name__ == "__main__":
    main()
