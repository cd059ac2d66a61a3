"""The out-of-time holdout of a geo fit on real data: ``bayes-mmm fit --holdout-weeks 13`` on
the first ``--geos`` geos of Meridian's geo sample (the inputs of ``public_data_geo.py``, 2
chains x 500 draws + 500 tune), as a user runs it: wall time and peak memory of the command
(both fits), the holdout's scores nationally and per geo, and the correlation of the geos'
forecast errors. ``--geo-noise shared`` fits the weekly shock common to all geos
(``results/holdout_geo_shared.md``); by default each geo's noise is independent.

    .venv/bin/python benchmarks/holdout_geo.py --geos 10 [--geo-noise shared]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_data_geo import cli_args, run_cli, subset

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLING = ["--chains", "2", "--draws", "500", "--tune", "500", "--seed", "1"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--geos", type=int, default=10)
    p.add_argument("--weeks", type=int, default=13)
    p.add_argument("--geo-noise", default="independent", choices=("independent", "shared"))
    args = p.parse_args()
    shared = args.geo_noise == "shared"
    result = RESULTS / ("holdout_geo_shared.md" if shared else "holdout_geo.md")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fit"
        extra = [*SAMPLING, "--holdout-weeks", str(args.weeks), "--geo-noise", args.geo_noise]
        argv = cli_args(subset(args.geos, Path(tmp)), out, extra)
        run = run_cli(argv, Path(tmp) / "fit.log")
        info = json.loads((out / "fit.json").read_text())
        diag = json.loads((out / "diagnostics.json").read_text())
        summary = (out / "summary.csv").read_text().splitlines()
    held, quality = info["holdout"], {q["geo"]: q for q in info["quality"]}
    load = os.getloadavg()
    lines = [
        f"# Holdout of a geo fit: Meridian's first {args.geos} geos, last {args.weeks} weeks",
        "",
        f"`benchmarks/holdout_geo.py --geos {args.geos} --geo-noise {args.geo_noise}`: "
        f"`bayes-mmm fit --holdout-weeks {args.weeks} --geo-noise {args.geo_noise}` "
        f"(2 x 500 draws), {run['wall_seconds']:.0f} s for both fits, peak "
        f"{run['peak_rss_gb']:.2f} GB, load {load[0]:.1f} at the end; the full fit's max r_hat "
        f"{diag['max_r_hat']:.3f}.",
        "",
        f"Mean correlation of the geos' forecast errors: {held['geo_error_correlation']:.3f}.",
        "",
        "| geo | held-out R² | MAPE | inside the 90% interval | in sample: MAPE | inside |",
        "|---|---|---|---|---|---|",
    ]
    for row in [{"geo": "national", **held}, *held["geos"]]:
        q = quality[row["geo"]]
        cells = [f"{row['r2']:.2f}", f"{row['mape']:.1%}", f"{row['coverage']:.0%}",
                 f"{q['mape']:.1%}", f"{q['coverage']:.0%}"]  # fmt: skip
        lines.append(f"| {row['geo']} | " + " | ".join(cells) + " |")
    if shared:
        rows = [summary[0], *(r for r in summary if r.startswith("sigma_shared"))]
        lines += ["", "The shared weekly shock's sd (`summary.csv`):", "", *rows]
    result.write_text("\n".join(lines) + "\n")
    print(result.read_text())


if __name__ == "__main__":
    main()
