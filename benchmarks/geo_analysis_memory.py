"""Memory and time of a geo fit's outputs at full draws (issue 14's 24 GB limit), without
sampling: the posterior is 4 chains x 1000 stand-in draws around the model's initial point
(the variables and shapes of a fit's posterior), so the large preset (50 geos x 30 channels
x 208 weeks) is measured in minutes rather than the hours its sampling takes.

    .venv/bin/python benchmarks/geo_analysis_memory.py                 # 8x4, 50x4, 50x30
    .venv/bin/python benchmarks/geo_analysis_memory.py --cells 50x30

Each cell runs in a fresh process: simulate, build and compile the model, make the stand-in
draws, package them as an ``MMMFit``; then ``write_geo_outputs`` (``model.nc``, ``roi.csv``,
``contributions.csv``, json files, the two geo plots: what ``bayes-mmm fit --geo`` writes
after sampling) is timed, with the process's peak resident memory before and after it.
Writes ``<out>/geo_analysis_memory.csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHAINS, DRAWS = 4, 1000


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stand_in_fit(g: int, c: int, weeks: int):
    """A geo ``MMMFit`` of 4 x 1000 stand-in draws: the model's initial point plus unit
    normal noise in the unconstrained space (every variable and shape of a real posterior;
    no sampling, so the large preset takes minutes rather than hours)."""
    import numpy as np

    from bayes_mmm.data.simulate_geo import simulate_geo
    from bayes_mmm.inference._compile.memo import compile_reusing
    from bayes_mmm.inference.diagnostics import Diagnostics
    from bayes_mmm.inference.fit import assemble
    from bayes_mmm.inference.samplers import _posterior_from_flat
    from bayes_mmm.model import dims as D
    from bayes_mmm.model.build import build_model, resolve_priors
    from bayes_mmm.model.spec import ModelSpec

    sim = simulate_geo(n_geos=g, n_weeks=weeks, channels=[f"ch{i:02d}" for i in range(c)],
                       seed=500 + g + c)  # fmt: skip
    data, spec = sim.to_data(), ModelSpec()
    priors = resolve_priors(data, spec)
    model = build_model(data, spec, priors)
    compiled, _ = compile_reusing(model)
    rng = np.random.default_rng(1)
    x0 = np.asarray(compiled.initial_point_func(1), dtype=float)
    flat = x0 + 0.3 * rng.standard_normal((CHAINS * DRAWS, len(x0)))
    one_chain = _posterior_from_flat(compiled, model, flat).isel(chain=0, drop=True)
    posterior = one_chain.coarsen(draw=DRAWS).construct(draw=(D.CHAIN, D.DRAW))
    posterior = posterior.assign_coords({D.CHAIN: np.arange(CHAINS), D.DRAW: np.arange(DRAWS)})
    posterior = posterior.transpose(D.CHAIN, D.DRAW, ...)
    stats = posterior[D.SIGMA].isel({D.GEO: 0}).astype(bool).to_dataset(name="diverging") & False
    nan = float("nan")
    diag = Diagnostics(nan, nan, 0, nan, 0.0, chains=CHAINS, draws=DRAWS, sampler="stand-in")
    return assemble(posterior, stats, data, spec, priors, diag)


def worker(cfg: dict) -> dict:
    """One cell in this fresh process."""
    from bayes_mmm.export_geo import write_geo_outputs

    t0 = time.perf_counter()
    res = _stand_in_fit(cfg["geos"], cfg["channels"], cfg["weeks"])
    t_draws = time.perf_counter() - t0
    rss_before = _rss_mb()
    with tempfile.TemporaryDirectory() as out:
        t1 = time.perf_counter()
        write_geo_outputs(res, out, progress=False)
        t_outputs = time.perf_counter() - t1
        size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    return {
        "cells": cfg["geos"] * cfg["channels"] * cfg["weeks"],
        "t_stand_in_draws": t_draws,
        "t_outputs": t_outputs,
        "rss_before_outputs_mb": rss_before,
        "rss_peak_mb": _rss_mb(),
        "files_mb": size / 2**20,
        "load": os.getloadavg()[0],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", default="8x4,50x4,50x30")
    ap.add_argument("--weeks", type=int, default=208)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from _table import markdown

    rows = []
    for cell in args.cells.split(","):
        g, c = (int(x) for x in cell.split("x"))
        cfg = {"geos": g, "channels": c, "weeks": args.weeks}
        proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(cfg)],
                              capture_output=True, text=True, check=True)  # fmt: skip
        row = {
            "geos": g,
            "channels": c,
            "weeks": args.weeks,
            **json.loads(proc.stdout.split("\n")[-2]),
        }
        logging.getLogger(__name__).warning("%s", row)
        rows.append(row)
    df = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "geo_analysis_memory.csv", index=False)
    head = (
        "# Geo outputs at full draws: time and memory\n\n`benchmarks/geo_analysis_memory.py`, "
        f"{CHAINS} chains x {DRAWS} stand-in draws per cell, `write_geo_outputs` with plots.\n\n"
    )
    (args.out / "geo_analysis_memory.md").write_text(head + markdown(df) + "\n")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    raise SystemExit(main())
