"""Which test next on real geo data: ``bayes-mmm design-tests`` on fits of Meridian's geo
sample (the first 10 geos, and all 40), as a user waits.

Each fit runs through ``bayes-mmm fit`` (the inputs of ``public_data_geo.py``, 2 chains x
500 draws + 500 tune, seed 1); then ``bayes-mmm design-tests model.nc --horizon 13`` with
the default candidates (every paid channel x go dark 2/4 weeks, -50% 4 weeks, +50% 4/8
weeks in every geo, plus go dark and +50% 4 weeks in each channel's test cell) and its batch
plan. Each command runs in a child process under ``/usr/bin/time -v`` (wall time, peak
memory); the load average is written beside the figures.

    .venv/bin/python benchmarks/design_speed_geo.py --geos 10,40
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_data_geo import cli_args, run_cli, subset

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "design_speed_geo.md"
SAMPLING = ["--chains", "2", "--draws", "500", "--tune", "500", "--seed", "1"]


def one(n_geos: int, tmp: Path) -> dict:
    """Fit ``n_geos`` geos, then rank the default designs: timings and the ranking."""
    out = tmp / f"fit{n_geos}"
    fit = run_cli(cli_args(subset(n_geos, tmp), out, SAMPLING), tmp / f"fit{n_geos}.log")
    tests = tmp / f"tests{n_geos}"
    log = tmp / f"design{n_geos}.log"
    design = run_cli(["design-tests", str(out / "model.nc"), "--horizon", "13", "--out",
                      str(tests)], log)  # fmt: skip
    ranked = re.search(r"ranked (\d+) test designs in ([\d.]+) s", log.read_text())
    table = pd.read_csv(tests / "experiments.csv")
    diag = pd.read_json(out / "diagnostics.json", typ="series")
    return {"geos": n_geos, "fit": fit, "design": design, "designs": int(ranked.group(1)),
            "rank_seconds": float(ranked.group(2)), "table": table, "diag": diag,
            "load": os.getloadavg()}  # fmt: skip


def markdown(rows: list[dict]) -> str:
    lines = [
        "# Which test next on Meridian's geo sample",
        "",
        "`benchmarks/design_speed_geo.py`: `bayes-mmm fit` (2 chains x 500 draws + 500 tune) "
        "then `bayes-mmm design-tests model.nc --horizon 13` (default candidates, 24 "
        "simulated results each, batch plan of 2), each a child process; 2-core machine.",
        "",
        "| geos | fit s | r_hat / min ESS | designs | ranking s | design-tests process s "
        "| peak GB | methods | load (1/5/15 min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        methods = ", ".join(f"{k} {v}" for k, v in r["table"]["method"].value_counts().items())
        d, load = r["diag"], r["load"]
        lines.append(
            f"| {r['geos']} | {r['fit']['wall_seconds']:.0f} | {d['max_r_hat']:.3f} / "
            f"{d['min_ess_bulk']:.0f} | {r['designs']} | {r['rank_seconds']:.1f} | "
            f"{r['design']['wall_seconds']:.0f} | {r['design']['peak_rss_gb']:.2f} | {methods} "
            f"| {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} |"
        )
    for r in rows:
        top = r["table"].head(5)
        lines += ["", f"Top 5 of {r['geos']} geos (net value = EVSI - cost, conversions):", "",
                  "| rank | design | EVSI (MC se) | cost | net value | ROI narrowing |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        lines += [f"| {t.rank} | {t.design} | {t.evsi:,.0f} ({t.evsi_mc_se:,.0f}) | "
                  f"{t.cost:,.0f} | {t.net_value:,.0f} | {t.roi_narrowing:.3f} |"
                  for t in top.itertuples()]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--geos", default="10,40")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [one(int(n), Path(tmp)) for n in args.geos.split(",")]
    RESULT.write_text(markdown(rows))
    print(RESULT.read_text())


if __name__ == "__main__":
    main()
