"""bayes_mmm's geo model vs PyMC-Marketing's multidimensional MMM (``dims=("geo",)``), side by
side on the same simulated geo data (issue 14).

    .venv/bin/python benchmarks/compare_pmm_geo.py                      # 2 and 8 geos, 3 seeds
    .venv/bin/python benchmarks/compare_pmm_geo.py --geos 2 --seeds 1   # one small case

Data: ``simulate_geo(n_geos=G, n_weeks=104, seed=s)`` (4 channels, Hill saturation, geometric
adstock, per-geo ROI spread 0.2 around the national one, per-geo baseline/trend/seasonality, a
promo control), written as one long CSV (``geo, date, sales, channels, promo, population``,
plus a per-geo linear ``trend`` column for PyMC-Marketing). Truth: the simulator's realised
national ROI (sum of true contributions over geos and dates / total spend).

Models, 4 chains x 1000 draws (+1000 tune), nutpie on both sides, each in a fresh process:

- ``bayes_mmm_cli``: ``bayes-mmm fit data.csv --geo geo --population population`` as the
  user runs it, timed from process start to its last file (tables, model file, plots);
  phases from its ``diagnostics.json``; national and geo ROI from its ``roi.csv`` (90%).
- ``pmm_geo``: ``pymc_marketing.mmm.MMM(dims=("geo",), GeometricAdstock(l_max=8),
  LogisticSaturation(), control_columns=[promo, trend], yearly_seasonality=2)`` with its
  defaults otherwise (per-geo intercept, controls, Fourier terms and noise; media shapes and
  coefficients shared across geos, applied to each geo's max-scaled spend and target). Timed
  from process start to its ROI (imports, build, fit = compile + sampling, analysis).
  National ROI: ``channel_contribution x target_scale`` (outcome units, per geo) summed over
  geos and dates / total spend, as the truth; per-geo ROI the same within a geo.

PyMC-Marketing runs in its own venv (``benchmarks/.venv-pmm``, made by
``compare_pymc_marketing.py``'s ``ensure_pmm_venv``). Compile caches: one folder per side
under ``<out>/tmp/caches_geo`` emptied at the start, so each side's first fit of a geo count
is "cold" (compiles), later seeds "warm". The load average (1 min) is recorded before and
after each fit. ESS: "min ESS" is each side's smallest bulk ESS over its own parameters (the
models differ: ours has geo spreads PyMC-Marketing's lacks); "nat ROI ESS" is the smallest
bulk ESS over channels of the national ROI draws, the quantity both report, computed here
with one ArviZ for both sides (ours from ``model.nc`` after the timed process).

Writes ``<out>/compare_pmm_geo.csv`` (one row per fit) and ``<out>/compare_pmm_geo.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from compare_pymc_marketing import (  # noqa: E402
    PMM_REQUIREMENTS,
    _roi_summary,
    _summaries,
    ensure_pmm_venv,
    finish,
    load,
    machine,
    versions,
)

CHAINS, DRAWS, TUNE = 4, 1000, 1000
WEEKS = 104
MODELS = ("bayes_mmm_cli", "pmm_geo")


# ---- data ------------------------------------------------------------------------------------
def make_dataset(n_geos: int, seed: int, directory: Path) -> dict:
    """Simulate one geo data set, write it as CSV, return its description and truth."""
    from bayes_mmm.data.simulate_geo import simulate_geo

    sim = simulate_geo(n_geos=n_geos, n_weeks=WEEKS, seed=seed)
    frame = sim.frame.copy()
    frame["trend"] = frame.groupby("geo").cumcount().astype(float)
    name = f"g{n_geos}_s{seed}"
    path = directory / f"{name}.csv"
    frame.to_csv(path, index=False)
    t = sim.truth
    return {
        "dataset": name,
        "geos": n_geos,
        "seed": seed,
        "csv": str(path),
        "channels": list(t.channels),
        "geo_names": list(t.geos),
        "truth_roi": [float(v) for v in t.roi],
        "truth_roi_geo": t.roi_geo.tolist(),
    }


# ---- PyMC-Marketing worker (runs in the PMM venv) --------------------------------------------
def worker_pmm(spec: dict) -> dict:
    t0 = time.perf_counter()
    import warnings

    import pandas as pd
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    t_import = time.perf_counter() - t0
    frame = pd.read_csv(spec["csv"], parse_dates=["date"])
    channels = spec["channels"]
    controls = ["promo", "trend"]
    X = frame[["date", "geo", *channels, *controls]]
    y = frame["sales"]
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mmm = MMM(
            date_column="date",
            channel_columns=channels,
            target_column="sales",
            dims=("geo",),
            adstock=GeometricAdstock(l_max=8),
            saturation=LogisticSaturation(),
            control_columns=controls,
            yearly_seasonality=2,
        )
        mmm.build_model(X, y)
        t_build = time.perf_counter() - t1
        t2 = time.perf_counter()
        idata = mmm.fit(X, y, nuts_sampler="nutpie", chains=CHAINS, draws=spec["draws"],
                        tune=spec["tune"],
                        random_seed=spec["run_seed"], progressbar=False)  # fmt: skip
    t_fit = time.perf_counter() - t2
    t3 = time.perf_counter()
    posterior = idata["posterior"].to_dataset()
    free = [rv.name for rv in mmm.model.free_RVs]
    out = _summaries(posterior, idata["sample_stats"].to_dataset(), free)
    scale = idata["constant_data"].to_dataset()["target_scale"]
    contrib = (posterior["channel_contribution"] * scale).sum("date")  # (chain, draw, geo, ch)
    spend = frame.groupby("geo")[channels].sum()
    geos = spec["geo_names"]
    contrib = contrib.sel(geo=geos).transpose("chain", "draw", "geo", "channel")
    c = contrib.sel(channel=channels).values.reshape(-1, len(geos), len(channels))
    s = spend.loc[geos, channels].to_numpy()
    national = c.sum(axis=1) / s.sum(axis=0)
    per_geo = (c / s).reshape(c.shape[0], -1)
    t_analysis = time.perf_counter() - t3
    return {
        **out,
        "t_import": t_import,
        "t_build": t_build,
        "t_fit": t_fit,
        "t_analysis": t_analysis,
        "target_scale_dims": list(scale.dims),
        "roi_draws_summary": _roi_summary(national),
        "roi_geo_summary": _roi_summary(per_geo),
        "roi_national_draws": national.reshape(CHAINS, -1, len(channels)).tolist(),
        "t_end": time.time(),
    }


# ---- bayes_mmm (CLI, as the user runs it) ----------------------------------------------------
def run_cli(spec: dict, env: dict, tmp: Path, timeout: int) -> dict:
    import pandas as pd

    out_dir = tmp / f"cli_{spec['dataset']}_{spec['run_seed']}"
    shutil.rmtree(out_dir, ignore_errors=True)
    exe = Path(sys.executable).parent / "bayes-mmm"
    cmd = [str(exe), "fit", spec["csv"], "--geo", "geo", "--population", "population"]
    cmd += ["--date", "date", "--target", "sales", "--channels", ",".join(spec["channels"])]
    cmd += ["--controls", "promo", "--seed", str(spec["run_seed"]), "--ci-prob", "0.9"]
    cmd += ["--draws", str(spec["draws"]), "--tune", str(spec["tune"])]
    cmd += ["--out", str(out_dir), "--quiet"]
    res, wall = _timed(cmd, env, timeout)
    if res is None:
        return {"error": f"timeout after {timeout} s", "t_process": float(timeout)}
    if res.returncode != 0:
        return {"error": (res.stderr or res.stdout)[-800:], "t_process": wall}
    d = json.loads((out_dir / "diagnostics.json").read_text())
    roi = pd.read_csv(out_dir / "roi.csv").set_index(["geo", "channel"])
    chans, geos = spec["channels"], spec["geo_names"]
    nat = roi.loc[[("national", c) for c in chans]]
    per = roi.loc[[(g, c) for g in geos for c in chans]]
    summ = lambda t: {k: t[f"roi_{k}"].tolist() for k in ("mean", "lower", "upper")}  # noqa: E731
    return {
        "roi_national_draws": _national_roi_draws(out_dir / "model.nc", chans),
        "min_ess_bulk": d["min_ess_bulk"],
        "max_r_hat": d["max_r_hat"],
        "divergences": d["divergences"],
        "steps_per_draw": d["steps_per_draw"],
        "t_compile": d.get("compile_seconds", float("nan")),
        "t_sample": d["sampling_seconds"],
        "t_process": wall,
        "roi_draws_summary": summ(nat),
        "roi_geo_summary": summ(per),
    }


def _national_roi_draws(model_nc: Path, channels: list[str]) -> list:
    """``(chain, draw, channel)`` national ROI draws of a saved fit (read after the timed
    process, so not in its time)."""
    import bayes_mmm as bm
    from bayes_mmm.analysis.geo import geo_roi_draws

    roi = geo_roi_draws(bm.load(model_nc)).sel(geo="national", channel=channels)
    return roi.transpose("chain", "draw", "channel").values.tolist()


def _roi_ess(draws: list) -> float:
    """Smallest bulk ESS over channels of national ROI draws ``(chain, draw, channel)``, the
    same estimator (this environment's ArviZ) for both sides."""
    import arviz as az
    import numpy as np

    x = np.asarray(draws)
    return float(min(az.ess(x[:, :, k], method="bulk") for k in range(x.shape[2])))


def _timed(cmd: list[str], env: dict, timeout: int):
    """``(completed process or None on timeout, wall seconds)`` of ``cmd`` run from the root."""
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                             cwd=str(ROOT))  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, float(timeout)
    return res, time.perf_counter() - t0


def run_pmm(spec: dict, python: Path, env: dict, tmp: Path, timeout: int) -> dict:
    spec_path = tmp / f"spec_{spec['dataset']}_pmm.json"
    spec_path.write_text(json.dumps(spec))
    cmd = [str(python), str(Path(__file__).resolve()), "--worker", "--spec", str(spec_path)]
    res, wall = _timed(cmd, env, timeout)
    if res is None:
        return {"error": f"timeout after {timeout} s", "t_process": float(timeout)}
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode != 0 or not lines:
        return {"error": (res.stderr or res.stdout)[-800:], "t_process": wall}
    out = json.loads(lines[-1].removeprefix("RESULT "))
    out["t_process"] = wall
    out["t_compile"] = float("nan")  # inside t_fit (nutpie compiles, then samples)
    out["t_sample"] = out["t_fit"]
    return out


# ---- scoring and report ----------------------------------------------------------------------
def score(out: dict, spec: dict) -> dict:
    import numpy as np

    nat, geo = out.pop("roi_draws_summary", None), out.pop("roi_geo_summary", None)
    draws = out.pop("roi_national_draws", None)
    if draws is not None:
        out["roi_ess_bulk"] = _roi_ess(draws)
    if not nat:
        return out
    t = np.asarray(spec["truth_roi"])
    mean, lo, hi = (np.asarray(nat[k]) for k in ("mean", "lower", "upper"))
    rel = np.abs(mean - t) / t
    out.update(
        roi_mean_abs_rel_error=float(rel.mean()),
        roi_max_abs_rel_error=float(rel.max()),
        roi_covered=int(((lo <= t) & (t <= hi)).sum()),
        roi_n=len(t),
        roi_mean=json.dumps([round(float(v), 3) for v in mean]),
    )
    if geo:
        tg = np.asarray(spec["truth_roi_geo"]).ravel()
        gm, glo, ghi = (np.asarray(geo[k]) for k in ("mean", "lower", "upper"))
        out.update(
            geo_roi_covered=int(((glo <= tg) & (tg <= ghi)).sum()),
            geo_roi_n=len(tg),
            geo_roi_median_abs_rel_error=float(np.median(np.abs(gm - tg) / tg)),
        )
    return out


def _fmt_load(x) -> str:
    return f"{float(str(x).split()[0]):.1f}"


def summarise(df, info: dict) -> str:
    import numpy as np

    ok = df[df["error"].isna()]
    lines = [
        "# bayes_mmm geo model vs PyMC-Marketing multidimensional MMM (issue 14)",
        "",
        f"Machine: {info['machine']}; load average at start {info['load_start']}, at end "
        f"{info['load_end']} (2 cores shared with other sessions' jobs: times are inflated and "
        "noisy; the 1-min load before/after each fit is beside it).",
        f"Versions: bayes_mmm side {info['versions_bmm']}; PyMC-Marketing side "
        f"{info['versions_pmm']}.",
        f"Data: `simulate_geo(n_geos=G, n_weeks={WEEKS})`, 4 channels, seeds "
        f"{info['seeds']}. Each fit: {CHAINS} chains x {info['draws']} draws (+{info['tune']} "
        "tune), nutpie, "
        "fresh process; the first seed of each geo count is the cold fit (empty compile caches "
        "for the first geo count; the second geo count may reuse compiled pieces).",
        "Process s = process start to last output (bayes-mmm: its last file; PMM: its ROI). "
        "Compile/sample: bayes-mmm's diagnostics.json; PMM's fit = nutpie compile + sampling. "
        "ROI error: mean over channels of |posterior mean - truth| / truth, national ROI = "
        "total contribution over geos and dates / total spend (90% intervals).",
        "",
        "## Per fit",
        "",
        "| geos | seed | model | process s | build s | compile s | sample/fit s | analysis s "
        "| load before/after | min ESS | nat ROI ESS | div | max r_hat | steps/draw | nat ROI err "
        "| nat ROI in 90% | geo ROI in 90% |",
        "|" + "---|" * 17,
    ]
    for _, r in df.iterrows():
        if isinstance(r.get("error"), str):
            lines.append(f"| {r.geos} | {r.seed} | {r.model} | failed: {r.error[:80]!r} |")
            continue
        f = lambda k, r=r: "" if k not in r or r[k] != r[k] else f"{r[k]:.1f}"  # noqa: E731
        lines.append(
            f"| {r.geos} | {r.seed} | {r.model} | {r.t_process:.1f} | {f('t_build')} | "
            f"{f('t_compile')} | {f('t_sample')} | {f('t_analysis')} | "
            f"{_fmt_load(r.load_before)}/{_fmt_load(r.load)} | {r.min_ess_bulk:.0f} | "
            f"{r.get('roi_ess_bulk', float('nan')):.0f} | {int(r.divergences)} | "
            f"{r.max_r_hat:.3f} | {r.steps_per_draw:.1f} | "
            f"{r.roi_mean_abs_rel_error:.1%} | {int(r.roi_covered)}/{int(r.roi_n)} | "
            f"{int(r.geo_roi_covered)}/{int(r.geo_roi_n)} |"
        )
    lines += ["", "## Per geo count (all seeds)", ""]
    lines += [
        "| geos | model | fits | process s, median (warm) | process s, cold | min ESS (worst / "
        "median) | nat ROI ESS (worst / median) | ESS/s (median) | divergences (total) "
        "| max r_hat | nat ROI err (mean) | nat ROI 90% coverage | geo x channel 90% coverage |",
        "|" + "---|" * 13,
    ]
    for g in sorted(set(ok.geos)):
        for m in MODELS:
            sub = ok[(ok.geos == g) & (ok.model == m)]
            if sub.empty:
                continue
            warm = sub.iloc[1:] if len(sub) > 1 else sub
            lines.append(
                f"| {g} | {m} | {len(sub)} | {np.median(warm.t_process):.1f} | "
                f"{sub.t_process.iloc[0]:.1f} | {sub.min_ess_bulk.min():.0f} / "
                f"{sub.min_ess_bulk.median():.0f} | {_worst_median(sub, 'roi_ess_bulk')} | "
                f"{np.median(sub.min_ess_bulk / sub.t_process):.1f} | "
                f"{int(sub.divergences.sum())} | {sub.max_r_hat.max():.3f} | "
                f"{sub.roi_mean_abs_rel_error.mean():.1%} | "
                f"{sub.roi_covered.sum()}/{sub.roi_n.sum()} | "
                f"{sub.geo_roi_covered.sum()}/{sub.geo_roi_n.sum()} |"
            )
    return "\n".join(lines) + "\n"


def _worst_median(sub, column: str) -> str:
    if column not in sub or sub[column].isna().all():
        return ""
    return f"{sub[column].min():.0f} / {sub[column].median():.0f}"


# ---- orchestration ---------------------------------------------------------------------------
def _envs(caches: Path) -> dict[str, dict]:
    envs = {}
    for side in ("bayes_mmm", "pmm"):
        env = dict(os.environ)
        env["PYTENSOR_FLAGS"] = f"base_compiledir={caches / side / 'pytensor'}"
        env["BAYES_MMM_CACHE_DIR"] = str(caches / side / "bayes_mmm")
        env["NUMBA_CACHE_DIR"] = str(caches / side / "numba")
        envs[side] = env
    return envs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--spec", help=argparse.SUPPRESS)
    p.add_argument("--geos", default="2,8", help="comma-separated geo counts")
    p.add_argument("--seeds", type=int, default=3, help="simulated data sets per geo count")
    p.add_argument("--first-seed", type=int, default=300)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per fit")
    p.add_argument("--draws", type=int, default=DRAWS, help="per chain (smoke runs only)")
    p.add_argument("--tune", type=int, default=TUNE)
    p.add_argument("--append", action="store_true", help="add to the rows of an earlier run")
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker_pmm(json.loads(Path(args.spec).read_text()))))
        return 0

    import pandas as pd

    from bayes_mmm.io import write_csv

    models = args.models.split(",")
    pmm_python = ensure_pmm_venv(PMM_REQUIREMENTS) if "pmm_geo" in models else None
    tmp = args.out / "tmp" / "compare_geo"
    caches = args.out / "tmp" / "caches_geo"
    if not args.append:
        shutil.rmtree(caches, ignore_errors=True)
    tmp.mkdir(parents=True, exist_ok=True)
    envs = _envs(caches)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    stack = ["pymc", "pytensor", "nutpie", "numba"]
    info = {
        "machine": machine(),
        "load_start": load(),
        "seeds": seeds,
        "draws": args.draws,
        "tune": args.tune,
        "versions_bmm": versions(sys.executable, ["bayes-mmm", *stack]),
        "versions_pmm": versions(pmm_python, ["pymc-marketing", *stack]) if pmm_python else {},
    }
    csv_path = args.out / "compare_pmm_geo.csv"
    rows = pd.read_csv(csv_path).to_dict("records") if args.append and csv_path.exists() else []
    if rows:
        info["seeds"] = sorted({int(r["seed"]) for r in rows} | set(seeds))
    for n_geos in [int(g) for g in args.geos.split(",")]:
        for i, seed in enumerate(seeds):
            spec = {**make_dataset(n_geos, seed, tmp), "run_seed": seed + 1}
            spec.update(draws=args.draws, tune=args.tune)
            for model in models if i % 2 == 0 else list(reversed(models)):
                before = load()
                if model == "pmm_geo":
                    out = run_pmm(spec, pmm_python, envs["pmm"], tmp, args.timeout)
                else:
                    out = run_cli(spec, envs["bayes_mmm"], tmp, args.timeout)
                row = {"geos": n_geos, "seed": seed, "model": model, "load_before": before}
                row.update(load=load(), **score(out, spec))
                rows.append(row)
                keys = ("t_process", "min_ess_bulk", "divergences", "max_r_hat",
                        "roi_mean_abs_rel_error", "roi_covered", "error")  # fmt: skip
                print(f"[geo-compare] {n_geos} geos seed {seed} {model}: "
                      f"{ {k: row.get(k) for k in keys} } load {row['load']}",
                      file=sys.stderr, flush=True)  # fmt: skip
                write_csv(pd.DataFrame(rows), csv_path)  # partial results survive a crash
    print(finish(rows, info, csv_path, args.out / "compare_pmm_geo.md", summarise))
    return 0


if __name__ == "__main__":
    sys.exit(main())
