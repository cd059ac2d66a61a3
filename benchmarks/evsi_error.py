"""Monte Carlo error of EVSI: stratified results with shared slices vs plain Monte Carlo.

One fit per world (the value study's worlds, ``test_value.world``); ``design_tests`` on its
12 candidates repeated with ``--repeats`` seeds under each way of drawing the simulated
results. Per method: the spread of each design's EVSI over the seeds (the real Monte Carlo
error), the mean error the method reports (``evsi_mc_se``, honest if close to the spread),
the spread of each design's EVSI *minus the world's mean EVSI* (what ranking needs) and how
often the top design is the same as on the most frequent pick.

    nice -n 5 python benchmarks/evsi_error.py --worlds 3 --repeats 6
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import pandas as pd
from test_value import CANDIDATES, CHANNELS, HORIZON, fit, world

import bayes_mmm as bm
from bayes_mmm.experiments import value

STRATIFIED = value.draw_results


def plain_mc(lift: np.ndarray, sigma: np.ndarray, rng, k: int) -> np.ndarray:
    """The earlier way: a random draw's lift plus independent noise, for any number of tests."""
    s = rng.choice(lift.shape[0], size=k, replace=lift.shape[0] < k)
    return lift[s] + sigma * rng.standard_normal((k, lift.shape[1]))


def run(worlds: int, repeats: int, outcomes: int) -> pd.DataFrame:
    cands = pd.DataFrame(
        [(c, ch, w) for c in CHANNELS for ch, w in CANDIDATES],
        columns=["channel", "change", "weeks"],
    )
    rows = []
    for w in range(worlds):
        base = fit(world(w).to_data())
        for method, draw in (("plain", plain_mc), ("stratified", STRATIFIED)):
            value.draw_results = draw
            for r in range(repeats):
                t0 = time.perf_counter()
                out = bm.design_tests(
                    base, cands, horizon=HORIZON, n_outcomes=outcomes, seed=100 * r, refit=None
                )
                secs = time.perf_counter() - t0
                rows += [
                    {"world": w, "method": method, "repeat": r, "design": d, "evsi": e,
                     "evsi_mc_se": s, "seconds": secs}
                    for d, e, s in zip(out["design"], out["evsi"], out["evsi_mc_se"], strict=True)
                ]  # fmt: skip
        value.draw_results = STRATIFIED
        logging.info(f"world {w} done")
    return pd.DataFrame(rows)


HEADER = (
    "| method | mean EVSI | sd of EVSI over seeds (RMS) | reported se (mean) "
    "| sd of EVSI - world mean (RMS) | top design agrees | seconds per ranking |\n"
    "|---|---|---|---|---|---|---|"
)


def summary(df: pd.DataFrame) -> str:
    mean = df.groupby(["world", "method", "repeat"])["evsi"].transform("mean")
    df = df.assign(centred=df["evsi"] - mean)
    g = df.groupby(["method", "world", "design"])
    per = pd.DataFrame(
        {"sd": g["evsi"].std(), "reported": g["evsi_mc_se"].mean(),
         "sd_centred": g["centred"].std(), "evsi": g["evsi"].mean()}
    ).reset_index()  # fmt: skip
    tops = df.loc[df.groupby(["method", "world", "repeat"])["evsi"].idxmax()]
    agree = tops.groupby(["method", "world"])["design"].agg(
        lambda x: x.value_counts().iloc[0] / len(x)
    )
    lines = [HEADER]
    for m, p in per.groupby("method"):
        lines.append(
            f"| {m} | {p['evsi'].mean():.0f} | {np.sqrt((p['sd'] ** 2).mean()):.0f} | "
            f"{p['reported'].mean():.0f} | {np.sqrt((p['sd_centred'] ** 2).mean()):.0f} | "
            f"{agree[m].mean():.0%} | {df[df['method'] == m]['seconds'].mean():.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--worlds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=6)
    p.add_argument("--outcomes", type=int, default=16)
    p.add_argument("--out", default="benchmarks/results/evsi_error.md")
    p.add_argument("--summarize", action="store_true", help="only rewrite the md from the csv")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("bayes_mmm").setLevel(logging.WARNING)
    csv = args.out.replace(".md", ".csv")
    if args.summarize:
        df = pd.read_csv(csv)
    else:
        df = run(args.worlds, args.repeats, args.outcomes)
        df.to_csv(csv, index=False)
    text = (
        f"# Monte Carlo error of EVSI: {args.worlds} worlds x 12 designs x {args.repeats} seeds, "
        f"{args.outcomes} results per design\n\n" + summary(df)
    )
    with open(args.out, "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
