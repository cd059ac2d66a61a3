"""Scaling of bayes_mmm's default fit with the number of weeks and of channels.

    .venv/bin/python benchmarks/scaling.py            # weeks 52..520 (4 channels), channels 2..20
    .venv/bin/python benchmarks/scaling.py --quick    # 3 small settings

Each setting is fitted twice in fresh subprocesses (4 chains x 1000 draws, the defaults): the
first fit compiles the model structure ("cold" when the structure is new), the second finds
it in the caches ("warm"). Reported: fit wall time (cold and warm), compile and sampling
seconds, steps per draw, min bulk ESS, divergences, peak resident memory of the process, and
the post-fit analysis time over the 4000 draws (ROI table + per-date contributions).

Writes ``<out>/scaling.csv`` and ``<out>/scaling.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WEEKS = (52, 104, 208, 312, 520)
CHANNELS = (2, 5, 10, 20)


def worker(cfg: dict) -> dict:
    import resource
    import warnings

    import bayes_mmm as bm

    weeks, n_ch = cfg["weeks"], cfg["channels"]
    channels = [f"ch{i}" for i in range(n_ch)]
    patterns = ["flighted" if i == 1 else "always_on" for i in range(n_ch)]
    sim = bm.simulate(weeks, channels, patterns, media_share=0.4, seed=100 + n_ch)
    data = sim.to_data()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.fit(data, seed=1, progress=False)
    t_fit = time.perf_counter() - t0
    t1 = time.perf_counter()
    bm.roi_table(fit)
    bm.contributions(fit)
    t_analysis = time.perf_counter() - t1
    d = fit.diagnostics
    return {
        "t_fit": t_fit,
        "t_compile": d.compile_seconds,
        "t_sample": d.sampling_seconds,
        "t_analysis": t_analysis,
        "steps_per_draw": d.steps_per_draw,
        "min_ess_bulk": d.min_ess_bulk,
        "max_r_hat": d.max_r_hat,
        "divergences": d.divergences,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(cfg: dict) -> dict:
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(cfg)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode or not lines:
        return {"error": (res.stderr or res.stdout)[-400:], "t_process": time.perf_counter() - t0}
    return {**json.loads(lines[-1][7:]), "t_process": time.perf_counter() - t0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    import pandas as pd
    from compare_pymc_marketing import load, machine
    from levers import markdown_table

    from bayes_mmm.io import write_atomic, write_csv  # not in the worker's venv

    settings = [{"weeks": w, "channels": 4} for w in WEEKS]
    settings += [{"weeks": 156, "channels": c} for c in CHANNELS]
    if args.quick:
        settings = [{"weeks": 52, "channels": 2}, {"weeks": 104, "channels": 2}]
    header = f"Machine: {machine()}; load average at start {load()}."
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    for cfg in settings:
        cold, warm = run(cfg), run(cfg)
        row = {**cfg, "t_fit_cold": cold.get("t_fit"), **warm, "load": load()}
        rows.append(row)
        print(
            f"[scaling] {cfg}: cold {cold.get('t_fit')} warm {warm.get('t_fit')} "
            f"{warm.get('error', '')}",
            file=sys.stderr,
            flush=True,
        )
        write_csv(pd.DataFrame(rows), args.out / "scaling.csv")
    df = pd.DataFrame(rows)
    cols = [
        "weeks",
        "channels",
        "t_fit_cold",
        "t_fit",
        "t_compile",
        "t_sample",
        "t_analysis",
        "steps_per_draw",
        "min_ess_bulk",
        "max_r_hat",
        "divergences",
        "peak_rss_mb",
    ]
    table = df[[c for c in cols if c in df]].rename(columns={"t_fit": "t_fit_warm"})
    md = "\n".join(
        [
            "# Scaling of the default fit (4 chains x 1000 draws)",
            "",
            f"{header} Load at end {load()}.",
            "Times in seconds (compile/sample/analysis from the warm fit); t_analysis = ROI "
            "table + per-date contributions over 4000 draws; peak_rss_mb = peak resident "
            "memory of the fitting process.",
            "",
            markdown_table(table),
            "",
        ]
    )
    write_atomic(args.out / "scaling.md", lambda tmp: tmp.write_text(md))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
