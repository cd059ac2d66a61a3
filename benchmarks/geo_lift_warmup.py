"""Warm-up of a geo refit with a lift test: leapfrog steps per draw during and after tuning.

Found by the geo notebook's fast mode (2 chains x 200 draws, 300 tuning steps): its refit
with the top-ranked test ("go dark on display for 4 weeks in every geo") ran 246 steps per
draw against 30 for the fit without the test, and took 40 s of the notebook's ~75 s. For
each seed: simulate 8 geos x 104 weeks (the notebook's design), fit, take the top design of
``bm.design_tests``, simulate its measured lift from the truth, and refit with it for each
``--tunes`` (same draws and seed), started as usual ("cold") and at draws of the fit without
the test ("warm": ``bm.fit(..., init=fit)``, ``bayes_mmm.inference.start``). Reports, per
fit, the mean tree size in each sixth of the warm-up, steps per draw after it, the mean step
size, max r_hat and min bulk ESS over all posterior variables, and the sampling seconds.

    nice -n 5 .venv/bin/python benchmarks/geo_lift_warmup.py --seeds 21,22,23 --tunes 300,1000
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _table import markdown

import bayes_mmm as bm
from bayes_mmm.inference._compile.memo import compile_reusing
from bayes_mmm.inference._nutpie import import_nutpie
from bayes_mmm.inference.diagnostics import diagnose
from bayes_mmm.inference.samplers import _started
from bayes_mmm.inference.start import start_points
from bayes_mmm.model.build import build_model

CHANNELS = ["tv", "search", "social", "display"]
DESIGN = ("channel", "spend", "delta_spend", "weeks", "carryover_weeks", "geo", "sigma")


def setting(seed: int) -> tuple:
    """The notebook's data, its fit and the top design's test with a simulated result."""
    sim = bm.simulate(n_geos=8, n_weeks=104, channels=CHANNELS, roi=[2.5, 1.8, 1.2, 0.8],
                      roi_geo_sd=0.3, seed=seed)  # fmt: skip
    data = sim.to_data()
    fit = bm.fit(data, seed=1, progress=False, chains=4, draws=500, tune=700)
    top = bm.design_tests(fit, horizon=13, seed=1).iloc[0]
    test = pd.DataFrame({c: [top[c]] for c in DESIGN})
    test["geo"] = test["geo"].fillna("")
    lift = sim.true_lift(test)[0] + top["sigma"] * np.random.default_rng(seed).standard_normal()
    return data, fit, test.assign(lift=lift), top["design"]


def warmup_row(data, tune: int, init=None, draws: int = 200, chains: int = 2) -> dict:
    """One fit through nutpie as ``bm.fit`` runs it (started at draws of ``init`` when
    given), its warm-up kept."""
    nutpie = import_nutpie()
    model = build_model(data, bm.ModelSpec())
    compiled, _ = compile_reusing(model)
    if init is not None:
        compiled = _started(compiled, start_points(model, init, chains, 1), len(model.free_RVs))
    t0 = time.perf_counter()
    trace = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=chains, seed=1,
                          progress_bar=False, save_warmup=True, target_accept=0.95,
                          adaptation="low_rank")  # fmt: skip
    seconds = time.perf_counter() - t0
    warm = trace.warmup_sample_stats["n_steps"].to_numpy()
    sixths = np.array_split(np.arange(tune), 6)
    d = diagnose(
        trace.posterior.to_dataset(),
        trace.sample_stats.to_dataset(),
        sampling_seconds=seconds,
        warn=False,
    )
    return {
        "tune": tune,
        "warm-up steps by sixth": " ".join(f"{warm[:, s].mean():.0f}" for s in sixths),
        "steps/draw": round(d.steps_per_draw, 1),
        "step size": round(float(trace.sample_stats["step_size"].mean()), 3),
        "max r_hat": round(d.max_r_hat, 3),
        "min ESS": round(d.min_ess_bulk),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seeds", default="21")
    p.add_argument("--tunes", default="300,700,1000")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/geo_lift_warmup.md"))
    args = p.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        data, fit, test, design = setting(seed)
        tested = data.with_lift_tests(test)
        for tune in (int(t) for t in args.tunes.split(",")):
            for name, d, init in (("no test", data, None), (f"{design}: cold", tested, None),
                                  (f"{design}: warm", tested, fit)):  # fmt: skip
                rows.append({"seed": seed, "fit": name, **warmup_row(d, tune, init)})
                print(rows[-1], flush=True)
    args.out.write_text("# Geo refit with a lift test: warm-up\n\n" + markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
