"""Meridian's 40-geo sample fitted end to end from the command line, as a user waits.

    .venv/bin/python benchmarks/public_data_geo.py                      # 40 geos, 4 x 300 draws
    .venv/bin/python benchmarks/public_data_geo.py --geos 6 --draws 200 # quick

Inputs as Meridian's demo uses them: the five channels' impressions as media with their
spends for ROI (``--media-exposure``), the organic channel (``--organic``), the controls
``competitor_sales_control, sentiment_score_control``, population (``--population``) and
revenue per conversion from its column (``--revenue-per-kpi``); ``Promo`` is left out, as in
Meridian's ROI notebook. The CLI runs in a child process under ``/usr/bin/time -v`` (wall
time and peak memory of the whole process); the phases come from ``diagnostics.json``
(compile, sampling) and the log; the outputs are read back with ``bayes_mmm.io.load``.

Writes the section ``## Meridian 40 geos`` of ``benchmarks/results/public_data.md``
(replacing an earlier one; the rest of the file is ``benchmarks/public_data.py``'s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/meridian_geo_all_channels.csv")
RESULT = ROOT / "benchmarks" / "results" / "public_data.md"
HEADER = "## Meridian 40 geos"
CHANNELS = [f"Channel{i}_spend" for i in range(5)]
EXPOSURE = ",".join(f"Channel{i}_spend=Channel{i}_impression" for i in range(5))
MERIDIAN_ROI = [1.59, 0.94, 1.42, 0.88, 1.62]  # its ROI notebook's posterior means


def cli_args(csv: Path, out: Path, sampling: list[str]) -> list[str]:
    """The ``bayes-mmm fit`` command line for Meridian's geo file (or a subset of it)."""
    return [
        "fit", str(csv), "--date", "time", "--target", "conversions",
        "--channels", ",".join(CHANNELS), "--media-exposure", EXPOSURE,
        "--organic", "Organic_channel0_impression",
        "--controls", "competitor_sales_control,sentiment_score_control",
        "--geo", "geo", "--population", "population",
        "--revenue-per-kpi", "revenue_per_conversion", "--out", str(out), *sampling,
    ]  # fmt: skip


def subset(n_geos: int, folder: Path) -> Path:
    """The first ``n_geos`` geos of the sample (all of them: the file itself)."""
    if n_geos >= 40:
        return DATA
    df = pd.read_csv(DATA, index_col=0)
    keep = sorted(df["geo"].unique(), key=lambda g: int(g[3:]))[:n_geos]
    path = folder / f"meridian_geo_{n_geos}.csv"
    df[df["geo"].isin(keep)].to_csv(path)
    return path


def run_cli(args: list[str], log: Path) -> dict:
    """Run the CLI in a child process (its log streamed to ``log``): wall time, peak RSS."""
    exe = Path(sys.executable).with_name("bayes-mmm")
    cmd = ["/usr/bin/time", "-v", str(exe), *args]
    t0 = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        raise SystemExit(f"bayes-mmm failed ({proc.returncode}):\n{log.read_text()[-3000:]}")
    return {"wall_seconds": time.perf_counter() - t0, **from_log(log)}


def from_log(log: Path) -> dict:
    """Wall time and peak RSS of the CLI process, as ``/usr/bin/time -v`` logged them."""
    text = log.read_text()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    parts = [float(x) for x in wall.group(1).split(":")] if wall else [float("nan")]
    seconds = sum(v * 60**i for i, v in enumerate(reversed(parts)))
    what = re.search(r"sampling (\d+ chains x \d+ draws \(\+\d+ tune\))", text)
    return {"wall_seconds": seconds, "peak_rss_gb": int(rss.group(1)) / 1e6 if rss else None,
            "sampling": what.group(1) if what else ""}  # fmt: skip


def read_back(out: Path) -> dict:
    """The saved model and CSVs read back, as a user would."""
    import arviz as az

    from bayes_mmm.io import load

    t0 = time.perf_counter()
    fit = load(out / "model.nc")
    roi = pd.read_csv(out / "roi.csv")
    contrib = pd.read_csv(out / "contributions.csv")
    seconds = time.perf_counter() - t0
    ess = az.ess(fit.posterior, method="bulk")
    worst = sorted((float(ess[v].min()), v) for v in ess.data_vars)[:3]
    return {"load_seconds": seconds, "geos": fit.data.n_geos, "roi": roi,
            "contributions_rows": len(contrib), "lowest_ess": worst}  # fmt: skip


def markdown(n_geos: int, sampling: list[str], run: dict, diag: dict, back: dict) -> str:
    roi = back["roi"]
    rest = run["wall_seconds"] - diag["sampling_seconds"] - diag.get("compile_seconds", 0)
    nat = roi[roi["geo"] == "national"]
    load = os.getloadavg()
    lines = [
        HEADER,
        "",
        f"`benchmarks/public_data_geo.py`: {n_geos} geos x 156 weeks through `bayes-mmm fit "
        f"--geo geo --population population --media-exposure ... --organic ... "
        f"--revenue-per-kpi revenue_per_conversion` ({run['sampling']}, seed 1); 2-core machine, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) at the end, "
        "other helpers' jobs beside it.",
        "",
        f"- end to end (process start to last file): {run['wall_seconds']:.0f} s; peak memory "
        f"{run['peak_rss_gb']:.2f} GB; compile {diag.get('compile_seconds', 0):.0f} s, "
        f"sampling {diag['sampling_seconds']:.0f} s, the rest (reading, checks, per-geo "
        f"analysis, plots, files) {rest:.0f} s",
        f"- diagnostics: divergences {diag['divergences']}, max r_hat {diag['max_r_hat']:.4f}, "
        f"min bulk ESS {diag['min_ess_bulk']:.0f}, "
        f"{diag['steps_per_draw']:.1f} steps/draw; "
        "lowest bulk ESS: " + ", ".join(f"{v} {e:.0f}" for e, v in back["lowest_ess"]),
        f"- read back: `bayes_mmm.io.load` {back['load_seconds']:.1f} s ({back['geos']} geos), "
        f"roi.csv {len(roi)} rows, contributions.csv {back['contributions_rows']} rows",
        "",
        "| channel | spend | ROI (conversions / $) | revenue ROI mean [90%] | Meridian |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for i, r in enumerate(nat.itertuples(index=False)):
        if pd.isna(r.roi_mean):
            lines.append(f"| {r.channel} | organic | - | - | - |")
            continue
        ref = MERIDIAN_ROI[i] if n_geos >= 40 and i < 5 else float("nan")
        lines.append(
            f"| {r.channel} | {r.spend:,.0f} | {r.roi_mean:.3g} | {r.revenue_roi_mean:.2f} "
            f"[{r.revenue_roi_lower:.2f}, {r.revenue_roi_upper:.2f}] | {ref:.2f} |"
        )
    lines += [
        "",
        "Meridian's figures are its own model's (default priors, no organic channel); they are "
        "a reference for the scale, not truth (the data are simulated without published truth).",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULT) -> None:
    old = path.read_text() if path.exists() else ""
    head = old.split(HEADER)[0].rstrip("\n")
    path.write_text((head + "\n\n" if head else "") + text)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--geos", type=int, default=40)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument(
        "--draws",
        type=int,
        default=1000,
        help="per chain, as the CLI (300 + 300 tune: max r_hat 1.077, min ESS 40 on 40 geos)",
    )
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--out", type=Path)
    p.add_argument("--result", type=Path, default=RESULT)
    p.add_argument("--render", action="store_true", help="only rewrite the section from --out")
    p.add_argument(
        "--geo-noise",
        default="independent",
        choices=("independent", "shared"),
        help="shared: the weekly shock common to all geos (write with --result)",
    )
    args = p.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="public_geo_"))
    folder.mkdir(parents=True, exist_ok=True)
    sampling = ["--chains", str(args.chains), "--draws", str(args.draws), "--tune",
                str(args.tune), "--seed", "1", "--geo-noise", args.geo_noise]  # fmt: skip
    out = folder / "fit"
    if args.render:
        run = from_log(folder / "cli.log")
    else:
        run = run_cli(cli_args(subset(args.geos, folder), out, sampling), folder / "cli.log")
    diag = json.loads((out / "diagnostics.json").read_text())
    back = read_back(out)
    write_section(markdown(args.geos, sampling, run, diag, back), args.result)
    print(json.dumps({k: v for k, v in diag.items() if not isinstance(v, dict)}, default=str))
    print(f"wall {run['wall_seconds']:.0f} s, peak {run['peak_rss_gb']:.2f} GB")


if __name__ == "__main__":
    main()
