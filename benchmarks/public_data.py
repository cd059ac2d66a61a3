"""Robyn's and Meridian's public sample data fitted as their own demos specify them, with
full draws: diagnostics, in-sample fit and ROI tables.

    .venv/bin/python benchmarks/public_data.py            # both, ~5 min on 2 cores
    .venv/bin/python benchmarks/public_data.py --draws 300 --tune 300 --chains 2   # quick

- Robyn (``tests/data/robyn_dt_simulated_weekly.csv``, Meta, MIT): window 2016-01-01 to
  2018-12-31 as Robyn's demo; spend ``tv_S, ooh_S, print_S, facebook_S, search_S`` with
  facebook and search fitted on exposure (``facebook_I``, ``search_clicks_P``); context
  ``competitor_sales_B`` and ``events`` (categorical); ``newsletter`` organic; holidays DE;
  trend and yearly seasonality (bayes_mmm's defaults, where Robyn uses Prophet).
- Meridian (``tests/data/meridian_national_all_channels.csv``, Google, Apache-2.0): the five
  channels' impressions as media with their spends for ROI, the organic channel, the
  controls ``competitor_sales_control, sentiment_score_control`` and ``Promo`` (Meridian's
  non-media treatment, here a control), revenue per conversion from its column.

Writes ``benchmarks/results/public_data.md`` (and one output folder per fit under
``--out``, default a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

import bayes_mmm as bm
from bayes_mmm.analysis.overview import Analysis
from bayes_mmm.data.inputs import cost_per_unit_cv
from bayes_mmm.export import write_fit_outputs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RESULT = ROOT / "benchmarks" / "results" / "public_data.md"

ROBYN = dict(
    date="DATE",
    target="revenue",
    channels=["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
    exposure={"facebook_S": "facebook_I", "search_S": "search_clicks_P"},
    controls=["competitor_sales_B", "events"],
    categorical=["events"],
    organic=["newsletter"],
    holidays="DE",
)
MERIDIAN = dict(
    date="time",
    target="conversions",
    channels=[f"Channel{i}_spend" for i in range(5)],
    exposure={f"Channel{i}_spend": f"Channel{i}_impression" for i in range(5)},
    controls=["competitor_sales_control", "sentiment_score_control", "Promo"],
    organic=["Organic_channel0_impression"],
    revenue_per_kpi="revenue_per_conversion",
)


def robyn_data() -> bm.MMMData:
    df = pd.read_csv(DATA / "robyn_dt_simulated_weekly.csv", dtype=str, keep_default_na=False)
    window = (df["DATE"] >= "2016-01-01") & (df["DATE"] <= "2018-12-31")
    return bm.from_frame(df[window].reset_index(drop=True), **ROBYN)


def meridian_data() -> bm.MMMData:
    df = pd.read_csv(DATA / "meridian_national_all_channels.csv", dtype=str)
    return bm.from_frame(df, **MERIDIAN)


def run(name: str, data: bm.MMMData, out: Path, sampling: dict) -> dict:
    t0 = time.perf_counter()
    fit = bm.fit(data, **sampling)
    t_fit = time.perf_counter() - t0
    a = Analysis(fit)
    write_fit_outputs(fit, out / name, analysis=a, progress=False)
    quality = a.summary()
    return {
        "name": name,
        "rows": data.n_dates,
        "channels": list(data.channels),
        "controls": list(data.control_names),
        "diagnostics": fit.diagnostics.to_dict(),
        "fit_seconds": t_fit,
        "total_seconds": time.perf_counter() - t0,
        "quality": quality,
        "roi": a.roi_table,
        "cpu_cv": cost_per_unit_cv(data),
        "files": sorted(p.relative_to(out / name).as_posix() for p in (out / name).rglob("*.*")),
    }


def _fmt(x) -> str:
    return "NA" if pd.isna(x) else f"{x:.3g}"


def markdown(results: list[dict], sampling: dict) -> str:
    load = os.getloadavg()[0]
    lines = [
        "# Public sample data: Robyn's and Meridian's demos through bayes_mmm",
        "",
        f"`benchmarks/public_data.py`; sampling {sampling}; 2-core machine, load average "
        f"{load:.1f} at the end (other jobs ran beside it). Both data sets are simulated by "
        "their authors without published truth: these are health and plumbing figures, not "
        "recovery.",
    ]
    for r in results:
        d, q = r["diagnostics"], r["quality"]
        fq = q.get("fit", q)
        lines += [
            "",
            f"## {r['name']} ({r['rows']} weeks)",
            "",
            f"- channels: {r['channels']}; controls: {r['controls']}",
            f"- diagnostics: divergences {d['divergences']}, max r_hat {d['max_r_hat']:.4f}, "
            f"min bulk ESS {d['min_ess_bulk']:.0f}, "
            f"{d['steps_per_draw']:.1f} steps/draw, sampling {d['sampling_seconds']:.1f} s "
            f"(+{d.get('compile_seconds', 0):.1f} s compile); fit {r['fit_seconds']:.1f} s, "
            f"fit + every output {r['total_seconds']:.1f} s",
            f"- in-sample: R² {fq.get('r2', float('nan')):.3f}, MAPE "
            f"{fq.get('mape', float('nan')):.2%}, predictive interval coverage "
            f"{fq.get('coverage', float('nan')):.2f}",
            "- cost per unit, CV over quarters: "
            + ", ".join(f"{k} {v:.2f}" for k, v in r["cpu_cv"].items()),
            f"- outputs: {', '.join(r['files'])}",
            "",
        ]
        cols = ["channel", "spend", "roi_mean", "roi_lower", "roi_upper", "mroi_mean"]
        if "revenue_roi_mean" in r["roi"]:
            cols += ["revenue_roi_mean", "revenue_roi_lower", "revenue_roi_upper"]
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for row in r["roi"][cols].itertuples(index=False):
            cells = [str(row[0])] + [_fmt(v) for v in row[1:]]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--out", type=Path)
    p.add_argument("--result", type=Path, default=RESULT)
    args = p.parse_args()
    sampling = dict(chains=args.chains, draws=args.draws, tune=args.tune, seed=1, progress=False)
    out = args.out or Path(tempfile.mkdtemp(prefix="public_data_"))
    results = [
        run("robyn", robyn_data(), out, sampling),
        run("meridian", meridian_data(), out, sampling),
    ]
    args.result.write_text(markdown(results, sampling))
    print(json.dumps({r["name"]: r["diagnostics"] for r in results}, indent=1, default=str))


if __name__ == "__main__":
    main()
