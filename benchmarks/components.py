"""Logistic saturation against Hill on data simulated with a logistic curve (and delayed
adstock against geometric on delayed data): ROI error, 90% coverage and LOO, side by side.

    .venv/bin/python benchmarks/components.py --seeds 2 3 4 --out benchmarks/results/components

The data are the four-channel design of tests/designs.py; the fits are 4 chains x 1000 draws.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from test_components_fit import simulate  # noqa: E402

import bayes_mmm as bm  # noqa: E402
from bayes_mmm import checking  # noqa: E402

CASES = {
    "logistic data": (dict(saturation="logistic"), {"logistic": {"saturation": "logistic"}}),
    "delayed data": (dict(adstock="delayed"), {"delayed": {"adstock": "delayed"}}),
}


def run(seed: int, forms: dict, truth_spec: dict) -> list[dict]:
    sim = simulate(seed, **forms)
    data = sim.to_data()
    specs = {
        "default (hill, geometric)": bm.ModelSpec(),
        **{k: bm.ModelSpec(**v) for k, v in truth_spec.items()},
    }
    fits, rows = {}, []
    truth = np.asarray(sim.truth.roi)
    for name, spec in specs.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits[name] = bm.fit(data, spec, chains=4, draws=1000, tune=1000, seed=1, progress=False)
        table = bm.roi_table(fits[name])
        err = np.abs(table.roi_mean.to_numpy() - truth) / truth
        inside = (table.roi_lower.to_numpy() <= truth) & (truth <= table.roi_upper.to_numpy())
        d = fits[name].diagnostics
        rows.append(dict(seed=seed, model=name, mean_rel_roi_error=err.mean(),
                         coverage_90=inside.mean(), divergences=d.divergences,
                         max_r_hat=d.max_r_hat, wall_s=time.perf_counter() - t0))  # fmt: skip
    loo = checking.compare(fits)
    for row in rows:
        for col in ("elpd_diff", "dse", "weight"):
            row[col] = float(loo.loc[row["model"], col])
        row["loo_rank"] = int(list(loo.index).index(row["model"]) + 1)
    return rows


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[2])
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    rows = []
    for case, (forms, truth_spec) in CASES.items():
        for seed in args.seeds:
            rows += [dict(data=case, **r) for r in run(seed, forms, truth_spec)]
    df = pd.DataFrame(rows)
    print(df.round(3).to_string(index=False))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out / "components.csv", index=False)
        (args.out / "components.txt").write_text(df.round(3).to_string(index=False) + "\n")


if __name__ == "__main__":
    main()
