"""bayes_mmm vs PyMC-Marketing: the same simulated data, the closest models, side by side.

    .venv/bin/python benchmarks/compare_pymc_marketing.py               # full: 3 data sets x 3 reps
    .venv/bin/python benchmarks/compare_pymc_marketing.py --quick       # 1 small data set, 1 rep

Sets up its own virtual environment for PyMC-Marketing (``benchmarks/.venv-pmm``, created on
first use with a Python >= 3.12 found like ``dev.sh`` does, ``pip install pymc-marketing
nutpie``), because PyMC-Marketing pins an older PyMC than bayes_mmm needs.

Data: ``bayes_mmm.simulate`` (geometric adstock, Hill saturation, trend, yearly seasonality,
a promo control, one flighted channel), written to CSV. Models, 4 chains x 1000 draws
(+1000 tune), nutpie on both sides:

- ``bayes_mmm``: the package defaults (``bm.fit(data)``; Hill saturation);
- ``pmm_hill``: ``MMM(GeometricAdstock(l_max=8), HillSaturation(), controls promo + trend,
  yearly_seasonality=2)`` -- the closest to bayes_mmm's model;
- ``pmm_logistic``: the same with PyMC-Marketing's default ``LogisticSaturation``;
- ``bayes_mmm_cli``: ``bayes-mmm fit`` as the user runs it, timed from process start to its
  last file (tables, plots, report.html); diagnostics from ``diagnostics.json``, and the
  end-to-end table (``compare_e2e_table.py``) against each PMM model's process.

Data set ``209x10c7``: 209 weeks, 10 channels, promo and 6 more controls with known effects.

Every fit runs in a fresh subprocess (imports and compilation included), the models
alternate within each repetition, and each side starts from its own empty compile caches
(``results/tmp/caches``): repetition 1 is the first fit of that model structure
("cold": pytensor/numba compile everything new), later repetitions are "warm" (what an
analyst refitting the same model sees). Reported per run and summarised per data set: wall
time of the fit (model build, compilation, sampling, diagnostics) and of the whole process,
min bulk ESS and max r_hat over the free parameters, ESS per second of fit, divergences,
leapfrog steps per draw, ROI error against the truth and 90% interval coverage.

Writes ``<out>/compare_pymc_marketing.csv`` (one row per run) and
``<out>/compare_pymc_marketing.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PMM_VENV = HERE / ".venv-pmm"
PMM_REQUIREMENTS = ["pymc-marketing", "nutpie"]
DATASETS = {  # name: (weeks, channels, seed)
    "104x4": (104, 4, 11),
    "156x5": (156, 5, 12),
    "208x8": (208, 8, 13),
    "209x10c7": (209, 10, 14),  # many channels, 7 controls (promo + 6 extra, see make_dataset)
}
EXTRA_CONTROLS = ("price", "competitor", "temperature", "distribution", "holiday", "stockout")
MODELS = ("bayes_mmm", "bayes_mmm_cli", "pmm_logistic", "pmm_hill")
CHAINS, DRAWS, TUNE = 4, 1000, 1000
STACK = ["pymc", "pytensor", "nutpie", "numba"]
SHOWN = ("t_fit", "t_process", "min_ess_bulk", "divergences", "max_r_hat", "error")


# ---- environment -------------------------------------------------------------------------------
def find_python() -> str:
    """A Python >= 3.12 interpreter: $BAYES_MMM_PYTHON, PATH, then pyenv (as dev.sh)."""
    cands = [os.environ.get("BAYES_MMM_PYTHON", ""), "python3.13", "python3.12", "python3"]
    home = Path.home()
    cands += sorted(str(p) for p in home.glob(".pyenv/versions/3.1[2-9]*/bin/python3"))
    cands += [f"/usr/local/bin/python3.1{i}" for i in range(2, 10)]
    cands += [f"/usr/bin/python3.1{i}" for i in range(2, 10)]
    check = "import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)"
    for cand in cands:
        exe = shutil.which(cand) if cand and not os.path.isabs(cand) else cand
        if not exe or not os.path.exists(exe):
            continue
        try:
            if subprocess.run([exe, "-c", check], capture_output=True, timeout=60).returncode == 0:
                return exe
        except (OSError, subprocess.TimeoutExpired):
            continue
    raise SystemExit("PyMC-Marketing needs Python >= 3.12 and none was found (BAYES_MMM_PYTHON)")


def ensure_pmm_venv(requirements: list[str]) -> Path:
    """``benchmarks/.venv-pmm`` with PyMC-Marketing and nutpie installed (once)."""
    py = PMM_VENV / "bin" / "python"
    stamp = PMM_VENV / ".installed"
    want = json.dumps(requirements)
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    base = find_python()
    print(f"[compare] creating {PMM_VENV} with {base}", file=sys.stderr)
    if not py.exists():
        subprocess.run([base, "-m", "venv", str(PMM_VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *requirements], check=True)
    stamp.write_text(want)
    return py


def versions(python: Path | str, modules: list[str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: out[name] = 'missing'\n"
        "print(json.dumps(out))"
    )
    res = subprocess.run([str(python), "-c", code, *modules], capture_output=True, text=True)
    return json.loads(res.stdout) if res.returncode == 0 else {}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}"


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ---- data ----------------------------------------------------------------------------------
def simulate_dataset(name: str):
    """Data set ``name`` of ``DATASETS``: channel 1 flighted, channel 3 growing, others on."""
    import bayes_mmm as bm

    weeks, n_channels, seed = DATASETS[name]
    channels = [f"ch{i}" for i in range(n_channels)]
    patterns = ["always_on"] * n_channels
    patterns[1] = "flighted"
    if n_channels > 3:
        patterns[3] = "growing"
    return bm.simulate(weeks, channels, patterns, media_share=0.4, noise=0.05, seed=seed)


def make_dataset(name: str, directory: Path) -> dict:
    """Simulate data set ``name``; write ``<name>.csv`` and return its description + truth."""
    import numpy as np

    sim = simulate_dataset(name)
    channels = list(sim.truth.channels)
    frame = sim.frame.copy()
    controls = list(sim.controls)
    if name.endswith("c7"):  # 6 more controls with known small effects (media truth unchanged)
        rng = np.random.default_rng(DATASETS[name][2])
        scale = frame["sales"].mean()
        for i, col in enumerate(EXTRA_CONTROLS):
            x = rng.normal(size=len(frame)) if i != 4 else (rng.random(len(frame)) < 0.1) * 1.0
            frame[col] = np.round(x, 4)
            frame["sales"] += (0.02 if i % 2 else -0.015) * scale * frame[col]
        controls += list(EXTRA_CONTROLS)
    frame["trend"] = range(len(frame))  # PyMC-Marketing's trend: a linear control column
    path = directory / f"{name}.csv"
    frame.to_csv(path, index=False)
    return {
        "dataset": name,
        "csv": str(path),
        "channels": channels,
        "controls": controls,
        "truth_roi": list(sim.truth.roi),
    }


# ---- workers (run in fresh subprocesses) ----------------------------------------------------
def _summaries(posterior, sample_stats, free: list[str]) -> dict:
    import arviz as az
    import numpy as np

    post = posterior[free]
    ess = az.ess(post, method="bulk")
    rhat = az.rhat(post)
    values = lambda ds: np.concatenate([np.ravel(v.values) for v in ds.data_vars.values()])  # noqa: E731
    steps = sample_stats["n_steps"] if "n_steps" in sample_stats else None
    return {
        "min_ess_bulk": float(np.min(values(ess))),
        "max_r_hat": float(np.max(values(rhat))),
        "divergences": int(np.asarray(sample_stats["diverging"]).sum()),
        "steps_per_draw": float(np.mean(steps.values)) if steps is not None else float("nan"),
    }


def worker_bayes_mmm(spec: dict) -> dict:
    t0 = time.perf_counter()
    import warnings

    import numpy as np
    import pandas as pd

    import bayes_mmm as bm

    t_import = time.perf_counter() - t0
    frame = pd.read_csv(spec["csv"], parse_dates=["date"])
    t1 = time.perf_counter()
    data = bm.from_frame(
        frame, date="date", target="sales", channels=spec["channels"], controls=spec["controls"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.fit(data, seed=spec["seed"], progress=False)
    t_fit = time.perf_counter() - t1
    model = fit.model()
    free = [rv.name for rv in model.free_RVs]
    out = _summaries(fit.posterior, fit.idata["sample_stats"].to_dataset(), free)
    roi = bm.roi_draws(fit)
    roi = np.asarray(roi.transpose(..., "channel").values).reshape(-1, len(spec["channels"]))
    d = fit.diagnostics
    return {
        **out,
        "t_import": t_import,
        "t_fit": t_fit,
        "t_compile": d.compile_seconds,
        "t_sample": d.sampling_seconds,
        "roi_draws_summary": _roi_summary(roi),
    }


def _roi_summary(roi) -> dict:
    import numpy as np

    return {
        "mean": np.mean(roi, axis=0).tolist(),
        "lower": np.quantile(roi, 0.05, axis=0).tolist(),
        "upper": np.quantile(roi, 0.95, axis=0).tolist(),
    }


def worker_pmm(spec: dict, saturation: str) -> dict:
    t0 = time.perf_counter()
    import warnings

    import numpy as np
    import pandas as pd
    from pymc_marketing.mmm import MMM, GeometricAdstock, HillSaturation, LogisticSaturation

    t_import = time.perf_counter() - t0
    frame = pd.read_csv(spec["csv"], parse_dates=["date"])
    channels = spec["channels"]
    controls = [*spec["controls"], "trend"]
    t1 = time.perf_counter()
    sat = HillSaturation() if saturation == "hill" else LogisticSaturation()
    mmm = MMM(
        date_column="date",
        channel_columns=channels,
        target_column="sales",
        adstock=GeometricAdstock(l_max=8),
        saturation=sat,
        control_columns=controls,
        yearly_seasonality=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = mmm.fit(
            frame[["date", *channels, *controls]],
            frame["sales"],
            nuts_sampler="nutpie",
            chains=CHAINS,
            draws=DRAWS,
            tune=TUNE,
            random_seed=spec["seed"],
            progressbar=False,
        )
    t_fit = time.perf_counter() - t1
    posterior = idata["posterior"].to_dataset()
    free = [rv.name for rv in mmm.model.free_RVs]
    out = _summaries(posterior, idata["sample_stats"].to_dataset(), free)
    scale = float(idata["constant_data"].to_dataset()["target_scale"].values)
    contrib = posterior["channel_contribution"].sum("date").transpose(..., "channel").values
    spend = frame[channels].to_numpy().sum(axis=0)
    roi = (contrib * scale / spend).reshape(-1, len(channels))
    return {
        **out,
        "t_import": t_import,
        "t_fit": t_fit,
        "t_compile": float("nan"),
        "t_sample": float("nan"),
        "roi_draws_summary": _roi_summary(roi),
        "roi_dtype_check": str(np.asarray(roi).dtype),
    }


def run_worker(args) -> None:
    spec = json.loads(Path(args.spec).read_text())
    if args.worker == "bayes_mmm":
        out = worker_bayes_mmm(spec)
    else:
        out = worker_pmm(spec, args.worker.removeprefix("pmm_"))
    print("RESULT " + json.dumps(out))


# ---- orchestration ---------------------------------------------------------------------------
def run_cli(spec: dict, python: Path | str, env: dict, tmp: Path, timeout: int) -> dict:
    """``bayes-mmm fit`` as the user runs it: process start to its last file (model.nc, tables,
    plots, report.html); ESS, r_hat, divergences from ``diagnostics.json``, ROI from
    ``roi.csv`` (90% intervals, as ``_roi_summary``)."""
    import pandas as pd

    out_dir = tmp / f"cli_{spec['dataset']}_{spec['seed']}"
    shutil.rmtree(out_dir, ignore_errors=True)
    exe = Path(python).parent / "bayes-mmm"
    cmd = [str(exe), "fit", spec["csv"], "--date", "date", "--target", "sales"]
    cmd += ["--channels", ",".join(spec["channels"]), "--controls", ",".join(spec["controls"])]
    cmd += ["--seed", str(spec["seed"]), "--ci-prob", "0.9", "--out", str(out_dir), "--quiet"]
    t0 = time.perf_counter()
    try:
        res = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=str(ROOT)
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s", "t_process": float(timeout)}
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        return {"error": (res.stderr or res.stdout)[-800:], "t_process": wall}
    d = json.loads((out_dir / "diagnostics.json").read_text())
    roi = pd.read_csv(out_dir / "roi.csv").set_index("channel").loc[spec["channels"]]
    return {
        "min_ess_bulk": d["min_ess_bulk"],
        "max_r_hat": d["max_r_hat"],
        "divergences": d["divergences"],
        "steps_per_draw": d["steps_per_draw"],
        "t_compile": d.get("compile_seconds", float("nan")),
        "t_sample": d["sampling_seconds"],
        "t_fit": wall,
        "t_process": wall,
        "roi_draws_summary": {
            "mean": roi["roi_mean"].tolist(),
            "lower": roi["roi_lower"].tolist(),
            "upper": roi["roi_upper"].tolist(),
        },
    }


def run_one(model: str, spec: dict, python: Path | str, env: dict, tmp: Path, timeout: int):
    if model == "bayes_mmm_cli":
        return run_cli(spec, python, env, tmp, timeout)
    spec_path = tmp / f"spec_{spec['dataset']}_{model}.json"
    spec_path.write_text(json.dumps(spec))
    cmd = [str(python), str(Path(__file__).resolve()), "--worker", model, "--spec", str(spec_path)]
    t0 = time.perf_counter()
    try:
        res = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=str(ROOT)
        )
        wall = time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s", "t_process": float(timeout)}
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode != 0 or not lines:
        return {"error": (res.stderr or res.stdout)[-800:], "t_process": wall}
    out = json.loads(lines[-1].removeprefix("RESULT "))
    out["t_process"] = wall
    return out


def score(out: dict, truth: list[float]) -> dict:
    import numpy as np

    s = out.pop("roi_draws_summary", None)
    if not s:
        return out
    mean, lo, hi = (np.asarray(s[k]) for k in ("mean", "lower", "upper"))
    t = np.asarray(truth)
    rel = np.abs(mean - t) / t
    out.update(
        roi_mean_abs_rel_error=float(rel.mean()),
        roi_max_abs_rel_error=float(rel.max()),
        roi_covered_90=f"{int(((lo <= t) & (t <= hi)).sum())}/{len(t)}",
        roi_mean=json.dumps([round(float(v), 3) for v in mean]),
    )
    return out


def ess_per_s(runs) -> float:
    import numpy as np

    return float(np.median(runs.min_ess_bulk / runs.t_fit))


def summarise(df, info: dict) -> str:
    import numpy as np

    lines = [
        "# bayes_mmm vs PyMC-Marketing",
        "",
        f"Machine: {info['machine']}; load average at start {info['load_start']}, "
        f"at end {info['load_end']} (other work was running on this shared machine).",
        f"Versions: bayes_mmm side {info['versions_bmm']}; PyMC-Marketing side "
        f"{info['versions_pmm']}.",
        f"Each fit: {CHAINS} chains x {DRAWS} draws (+{TUNE} tune), nutpie, fresh subprocess; "
        f"{info['reps']} repetition(s) per model and data set, models alternating; "
        "each side's compile caches emptied at the start (repetition 1 = first fit of the "
        "model structure, 'cold'; later ones 'warm').",
        "Fit time = model build + compilation + sampling + diagnostics (imports excluded, "
        "see t_import/t_process in the CSV). ESS/s = min bulk ESS of the free parameters per "
        "second of fit time. ROI error = mean over channels of |posterior mean - truth| / truth.",
        "",
    ]
    ok = df[df["error"].isna()] if "error" in df else df
    header = (
        "| data set | model | runs | fit s (warm, median) | fit s (cold) | process s (warm) "
        "| min ESS | ESS/s | divergences | max r_hat | steps/draw | ROI error | ROI in 90% CI |"
    )
    lines += [header, "|" + "---|" * 13]
    ratios = []
    for ds in info["datasets"]:
        warm_bmm = None
        for model in [m for m in MODELS if m in set(df.model)]:
            sub = ok[(ok.dataset == ds) & (ok.model == model)]
            if sub.empty:
                err = df[(df.dataset == ds) & (df.model == model)]
                lines.append(f"| {ds} | {model} | 0 | failed: {str(err.error.iloc[0])[:60]} |")
                continue
            warm = sub[sub.rep > 1] if (sub.rep > 1).any() else sub
            cold = sub[sub.rep == 1]
            fit_w = float(np.median(warm.t_fit))
            row = (
                f"| {ds} | {model} | {len(sub)} | {fit_w:.1f} | "
                f"{cold.t_fit.iloc[0]:.1f} | {np.median(warm.t_process):.1f} | "
                f"{warm.min_ess_bulk.min():.0f} | {ess_per_s(warm):.0f} | "
                f"{int(sub.divergences.max())} | {sub.max_r_hat.max():.3f} | "
                f"{np.median(sub.steps_per_draw):.1f} | "
                f"{np.median(sub.roi_mean_abs_rel_error):.1%} | "
                f"{sub.roi_covered_90.iloc[-1]} |"
            )
            lines.append(row)
            if model in ("bayes_mmm", "bayes_mmm_cli") and warm_bmm is None:  # CLI: e2e
                warm_bmm = (
                    fit_w,
                    float(cold.t_fit.iloc[0]),
                    float(np.median(warm.min_ess_bulk / warm.t_fit)),
                )
            elif warm_bmm:
                cold_pmm = float(cold.t_fit.iloc[0])
                ratios.append(
                    f"| {ds} | {model} | {fit_w / warm_bmm[0]:.1f}x | "
                    f"{cold_pmm / warm_bmm[1]:.1f}x | {warm_bmm[2] / ess_per_s(warm):.1f}x |"
                )
    lines += [
        "",
        "Ratios (PyMC-Marketing / bayes_mmm; > 1 means bayes_mmm is faster):",
        "",
        "| data set | vs | fit time, warm | fit time, cold | ESS per second (bayes_mmm / PMM) |",
        "|---|---|---|---|---|",
        *ratios,
        "",
    ]
    if "bayes_mmm_cli" in set(df.model):
        from compare_e2e_table import end_to_end_table

        lines += [
            "End to end as the user waits (process start to last file; PMM: its fit process):",
            "",
            end_to_end_table(df, info["datasets"]),
            "",
        ]
    return "\n".join(lines)


def finish(rows: list[dict], info: dict, csv_path: Path, md_path: Path, summarise) -> str:
    """Write the runs' table (an ``error`` column always) and its markdown summary
    ``summarise(df, info)`` atomically; returns the markdown."""
    import pandas as pd

    from bayes_mmm.io import write_atomic, write_csv

    info["load_end"] = load()
    df = pd.DataFrame(rows)
    if "error" not in df:
        df["error"] = None
    write_csv(df, csv_path)
    md = summarise(df, info)
    write_atomic(md_path, lambda tmp: tmp.write_text(md))
    return md


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", choices=MODELS, help=argparse.SUPPRESS)
    p.add_argument("--spec", help=argparse.SUPPRESS)
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated, e.g. 104x4")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--reps", type=int, default=3, help="repetitions per model and data set")
    p.add_argument("--quick", action="store_true", help="104x4 only, one repetition")
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per fit")
    p.add_argument("--keep-caches", action="store_true", help="do not empty compile caches")
    args = p.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0

    import pandas as pd

    from bayes_mmm.io import write_csv  # not in the worker's venv

    datasets = ["104x4"] if args.quick else args.datasets.split(",")
    reps = 1 if args.quick else args.reps
    models = args.models.split(",")
    pmm_python = (
        ensure_pmm_venv(PMM_REQUIREMENTS) if any(m.startswith("pmm") for m in models) else None
    )
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / "tmp" / "compare"
    caches = args.out / "tmp" / "caches"
    if caches.exists() and not args.keep_caches:
        shutil.rmtree(caches)
    tmp.mkdir(parents=True, exist_ok=True)
    envs = {}
    for side in ("bayes_mmm", "pmm"):
        env = dict(os.environ)
        if not args.keep_caches:
            env["PYTENSOR_FLAGS"] = f"base_compiledir={caches / side / 'pytensor'}"
            env["BAYES_MMM_CACHE_DIR"] = str(caches / side / "bayes_mmm")
            env["NUMBA_CACHE_DIR"] = str(caches / side / "numba")
        envs[side] = env
    info = {
        "machine": machine(),
        "load_start": load(),
        "reps": reps,
        "datasets": datasets,
        "versions_bmm": versions(
            sys.executable, ["bayes-mmm", "pymc", "pytensor", "nutpie", "numba"]
        ),
        "versions_pmm": versions(
            pmm_python, ["pymc-marketing", "pymc", "pytensor", "nutpie", "numba"]
        )
        if pmm_python
        else {},
    }
    print(f"[compare] {info['machine']}", file=sys.stderr)
    rows = []
    csv_path = args.out / "compare_pymc_marketing.csv"
    for ds in datasets:
        spec = make_dataset(ds, tmp)
        for rep in range(1, reps + 1):
            order = models if rep % 2 else list(reversed(models))
            for model in order:
                spec_run = {**spec, "seed": 100 + rep}
                ours = model.startswith("bayes_mmm")
                python = sys.executable if ours else pmm_python
                env = envs["bayes_mmm" if ours else "pmm"]
                load_before = load()
                out = run_one(model, spec_run, python, env, tmp, args.timeout)
                out = score(out, spec["truth_roi"])
                row = {"dataset": ds, "model": model, "rep": rep, "load_before": load_before}
                row.update(load=load(), **out)
                rows.append(row)
                msg = {
                    k: row.get(k)
                    for k in (
                        "t_fit",
                        "t_process",
                        "min_ess_bulk",
                        "divergences",
                        "max_r_hat",
                        "error",
                    )
                }
                print(f"[compare] {ds} {model} rep {rep}: {msg}", file=sys.stderr, flush=True)
                write_csv(pd.DataFrame(rows), csv_path)  # partial results survive a crash
    print(finish(rows, info, csv_path, args.out / "compare_pymc_marketing.md", summarise))
    return 0


if __name__ == "__main__":
    sys.exit(main())
