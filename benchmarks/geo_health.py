"""Sampling health of the geo model before and after a change, side by side (issue 14).

    .venv/bin/python benchmarks/geo_health.py --before main            # the reported table
    .venv/bin/python benchmarks/geo_health.py --before main --cases 2:300   # one small case

Data: ``simulate_geo(n_geos=G, n_weeks=104, seed=s)`` (4 channels, Hill saturation,
geometric adstock, ROI spread 0.2 across geos, per-geo trend and seasonal amplitude, a promo
control), as ``benchmarks/compare_pmm_geo.py`` and ``tests/test_geo_model.py`` build it.
Fit: ``bm.fit(sim.to_data(), seed=s + 1)``, 4 chains x 1000 draws (+1000 tune), nutpie,
each fit in a fresh process. "before" is the package at the git ref ``--before`` (exported
with ``git archive`` to a temporary folder and put first on ``PYTHONPATH``), "after" the
working tree; the two run one after the other on each data set (order alternating by seed),
each with its own compile cache, and the 1-min load average is taken before and after each.

Per fit: divergences, max r_hat and min bulk ESS over the posterior (the fit's diagnostics;
with the parameter that attains them), leapfrog steps per draw, sampling and compile
seconds, national ROI (total contribution over geos and dates / total spend) against the
simulator's realised truth: mean |posterior mean - truth| / truth over channels, and how
many channels' truth lies in the 90% interval.

Writes ``<out>/geo_health.csv`` (one row per fit) and the tables of ``<out>/geo_health.md``
(its ``## Reading`` section, written by hand, is kept).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = "2:300-305,8:300-301"
READING = "## Reading"  # kept when the tables are rewritten
log = logging.getLogger("geo_health")


# ---- worker: one fit, in the tree on PYTHONPATH ----------------------------------------------
def _extreme(ds, pick) -> tuple[float, str]:
    """``(value, "name[i]")`` of the min or max over every element of every variable."""
    import numpy as np

    best = None
    for name, da in ds.data_vars.items():
        flat = np.atleast_1d(da.values).ravel()
        i = int(pick(flat))
        if best is None or (flat[i] < best[0] if pick is np.nanargmin else flat[i] > best[0]):
            best = (float(flat[i]), f"{name}[{i}]" if flat.size > 1 else name)
    return best


def worker(spec: dict) -> dict:
    import warnings

    import arviz as az
    import numpy as np

    import bayes_mmm as bm
    from bayes_mmm.analysis.geo import geo_roi_draws
    from bayes_mmm.analysis.summary import summarise
    from bayes_mmm.data.simulate_geo import simulate_geo

    sim = simulate_geo(n_geos=spec["geos"], n_weeks=104, seed=spec["seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = bm.fit(sim.to_data(), seed=spec["seed"] + 1, draws=spec["draws"],
                   tune=spec["tune"], progress=False)  # fmt: skip
    post = f.posterior
    post = post[[n for n, v in post.data_vars.items() if np.ptp(v.values) > 0]]
    ess, ess_at = _extreme(az.ess(post, method="bulk"), np.nanargmin)
    rhat, rhat_at = _extreme(az.rhat(post), np.nanargmax)
    roi = geo_roi_draws(f).sel(geo="national")
    s = summarise(roi, 0.9)
    truth = np.asarray(sim.truth.roi)
    mean, lo, hi = (s[k].sel(channel=list(sim.truth.channels)).values
                    for k in ("mean", "lower", "upper"))  # fmt: skip
    d = f.diagnostics
    return {
        "package": bm.__file__,
        "divergences": d.divergences,
        "max_r_hat": rhat,
        "max_r_hat_at": rhat_at,
        "min_ess_bulk": ess,
        "min_ess_at": ess_at,
        "steps_per_draw": d.steps_per_draw,
        "t_sample": d.sampling_seconds,
        "t_compile": d.compile_seconds,
        "roi_err": float(np.mean(np.abs(mean - truth) / truth)),
        "roi_covered": int(((lo <= truth) & (truth <= hi)).sum()),
        "roi_n": len(truth),
    }


# ---- orchestration ---------------------------------------------------------------------------
def parse_cases(text: str) -> list[tuple[int, int]]:
    """``"2:300-305,8:300-301"`` -> ``[(2, 300), ..., (8, 301)]``."""
    out = []
    for part in text.split(","):
        geos, seeds = part.split(":")
        lo, _, hi = seeds.partition("-")
        out += [(int(geos), s) for s in range(int(lo), int(hi or lo) + 1)]
    return out


def export(ref: str, where: Path) -> Path:
    """The tree of git ref ``ref`` written under ``where`` (no checkout, no worktree)."""
    where.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True,
                             check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def load() -> float:
    return os.getloadavg()[0]


def run_fit(tree: Path, spec: dict, cache: Path, timeout: int) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["BAYES_MMM_CACHE_DIR"] = str(cache / "bayes_mmm")
    env["PYTENSOR_FLAGS"] = f"base_compiledir={cache / 'pytensor'}"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                         cwd=str(tree))  # fmt: skip
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode or not lines:
        return {"error": (res.stderr or res.stdout)[-600:]}
    out = json.loads(lines[-1].removeprefix("RESULT "))
    out["t_process"] = time.perf_counter() - t0
    if not Path(out["package"]).is_relative_to(tree):
        raise RuntimeError(f"the fit imported {out['package']}, not the tree {tree}")
    return out


def table(rows: list[dict]) -> str:
    head = ("| geos | seed | model | div | max r_hat (at) | min bulk ESS (at) | steps/draw "
            "| sample s | load before/after | nat ROI err | nat ROI in 90% |")  # fmt: skip
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        if r.get("error"):
            lines.append(f"| {r['geos']} | {r['seed']} | {r['model']} | failed |")
            continue
        lines.append(
            f"| {r['geos']} | {r['seed']} | {r['model']} | {r['divergences']} | "
            f"{r['max_r_hat']:.3f} ({r['max_r_hat_at']}) | {r['min_ess_bulk']:.0f} "
            f"({r['min_ess_at']}) | {r['steps_per_draw']:.1f} | {r['t_sample']:.1f} | "
            f"{r['load_before']:.1f}/{r['load_after']:.1f} | {r['roi_err']:.1%} | "
            f"{r['roi_covered']}/{r['roi_n']} |"
        )
    return "\n".join(lines)


def totals(rows: list[dict]) -> str:
    import pandas as pd

    df = pd.DataFrame([r for r in rows if not r.get("error")])
    g = df.groupby(["geos", "model"], sort=False)
    out = g.agg(fits=("seed", "size"), divergences=("divergences", "sum"),
                max_r_hat=("max_r_hat", "max"), min_ess=("min_ess_bulk", "min"),
                median_min_ess=("min_ess_bulk", "median"), steps=("steps_per_draw", "mean"),
                sample_s=("t_sample", "sum"), roi_err=("roi_err", "mean"),
                covered=("roi_covered", "sum"), n=("roi_n", "sum"))  # fmt: skip
    lines = ["| geos | model | fits | divergences | max r_hat | min ESS (worst / median) "
             "| steps/draw (mean) | sample s (total) | nat ROI err (mean) | nat ROI in 90% |",
             "|" + "---|" * 10]  # fmt: skip
    for (geos, model), r in out.iterrows():
        lines.append(
            f"| {geos} | {model} | {int(r.fits)} | {int(r.divergences)} | {r.max_r_hat:.3f} | "
            f"{r.min_ess:.0f} / {r.median_min_ess:.0f} | {r.steps:.1f} | {r.sample_s:.1f} | "
            f"{r.roi_err:.1%} | {int(r.covered)}/{int(r.n)} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--before", default="main", help="git ref of the 'before' model")
    p.add_argument("--cases", default=CASES, help="GEOS:SEED-SEED,... (default %(default)s)")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--timeout", type=int, default=900, help="seconds per fit")
    p.add_argument("--pause-while", type=Path, help="before each fit, wait while this file exists")
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return 0
    logging.basicConfig(level=logging.INFO, format="[geo_health] %(message)s")
    work = Path(tempfile.mkdtemp(prefix="geo_health_"))
    trees = {"before": export(args.before, work / "before"), "after": ROOT}
    rows = []
    for i, (geos, seed) in enumerate(parse_cases(args.cases)):
        spec = {"geos": geos, "seed": seed, "draws": args.draws, "tune": args.tune}
        for model in ("before", "after") if i % 2 == 0 else ("after", "before"):
            while args.pause_while and args.pause_while.exists():
                time.sleep(30)  # another job is being timed on the same cores
            before = load()
            out = run_fit(trees[model], spec, work / f"cache_{model}", args.timeout)
            rows.append({"geos": geos, "seed": seed, "model": model, "load_before": before,
                         "load_after": load(), **out})  # fmt: skip
            log.info("%s", {k: rows[-1].get(k) for k in ("geos", "seed", "model", "divergences",
                     "min_ess_bulk", "max_r_hat", "t_sample", "load_after", "error")})  # fmt: skip
    rows.sort(key=lambda r: (r["geos"], r["seed"], r["model"] != "before"))
    args.out.mkdir(parents=True, exist_ok=True)
    import pandas as pd

    pd.DataFrame(rows).drop(columns="package", errors="ignore").to_csv(
        args.out / "geo_health.csv", index=False
    )
    md = [f"before: `{args.before}`, after: the working tree; {args.draws} draws + {args.tune} "
          "tune x 4 chains; load = 1-min load average (2 shared cores)", "", "## Per fit", "",
          table(rows), "", "## Per geo count", "", totals(rows), ""]  # fmt: skip
    path = args.out / "geo_health.md"
    old = path.read_text() if path.exists() else ""
    reading = old[old.index(READING) :] if READING in old else READING + "\n\n(to write)\n"
    path.write_text("# Geo model sampling health (issue 14)\n\n" + "\n".join(md) + "\n" + reading)
    print("\n".join(md))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
