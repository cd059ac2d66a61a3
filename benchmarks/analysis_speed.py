"""How long the whole post-fit analysis takes on a large model.

Simulates 208 weeks x 8 channels, fits it with 4 chains x 1000 draws (4000 draws; the fit is
cached in ``--cache`` and not timed), then times every step of the analysis the CLI runs:
contributions and their summaries, shares, ROI and marginal ROI, response and adstock curves,
fit quality and posterior predictive check, prior vs posterior, every plot (drawn and saved as
PNG). Prints a table of seconds per step and the total.

    python benchmarks/analysis_speed.py
    python benchmarks/analysis_speed.py --repeat 3 --cache /tmp/bench_208x8.nc
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

import bayes_mmm as bm
from bayes_mmm.export import PLOT_DPI
from bayes_mmm.io import write_atomic
from bayes_mmm.plots.analysis import PLOTS

N_WEEKS, N_CHANNELS = 208, 8


def get_fit(cache: Path, seed: int) -> bm.MMMFit:
    if cache.is_file():
        return bm.load(cache)
    sim = bm.simulate(N_WEEKS, [f"channel_{i}" for i in range(N_CHANNELS)], seed=seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        fit = bm.fit(sim.to_data(), chains=4, draws=1000, tune=1000, seed=seed, progress=False)
    print(f"fit (not timed below): {time.perf_counter() - t0:.1f} s; {fit.diagnostics}")
    bm.save(fit, cache)
    return fit


def steps(a: bm.Analysis, out: Path) -> list[tuple[str, object]]:
    """(name, thunk) in the order the report computes them."""
    out.mkdir(parents=True, exist_ok=True)

    def save(name):
        def run():
            fig = PLOTS[name](a)
            write_atomic(out / f"{name}.png", partial(fig.savefig, format="png", dpi=PLOT_DPI))

        return run

    return [
        ("contributions (draws)", lambda: a.contributions),
        ("contributions table", lambda: a.contributions_table),
        ("shares + table", lambda: a.shares_table),
        ("marginal ROI (draws)", lambda: a.mroi),
        ("ROI table (with mROI)", lambda: a.roi_table),
        ("response curves + table", lambda: a.response_table),
        ("adstock curves", lambda: a.adstock),
        ("fit quality (R², MAPE, coverage)", lambda: a.fit_quality),
        ("posterior predictive check", lambda: a.ppc),
        ("prior draws", lambda: a.prior),
        ("prior vs posterior + flags", lambda: a.learning_flags),
        ("fit.json summary", a.summary),
        *[(f"plot {name}", save(name)) for name in PLOTS],
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "bench_208x8.nc")
    p.add_argument("--repeat", type=int, default=3, help="timed runs (a fresh Analysis each)")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()
    fit = get_fit(args.cache, args.seed)
    post = fit.posterior
    n_draws = post.sizes["chain"] * post.sizes["draw"]
    print(f"model: {fit.data.n_dates} weeks x {fit.data.n_channels} channels, {n_draws} draws")
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            a = bm.analyse(fit)
            for name, thunk in steps(a, Path(tmp)):
                t0 = time.perf_counter()
                thunk()
                times.setdefault(name, []).append(time.perf_counter() - t0)
    width = max(map(len, times))
    print(f"\n{'step':<{width}}  median s  (of {args.repeat} runs)")
    for name, ts in times.items():
        print(f"{name:<{width}}  {np.median(ts):8.3f}")
    totals = np.sum(list(times.values()), axis=0)
    print(
        f"{'TOTAL':<{width}}  {np.median(totals):8.3f}  (min {totals.min():.2f}, "
        f"max {totals.max():.2f})"
    )
    print(f"\n{platform.processor() or platform.machine()}, {platform.python_version()}")


if __name__ == "__main__":
    main()
