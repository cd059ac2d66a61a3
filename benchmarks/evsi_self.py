"""Is EVSI right where the model is exactly right? Truths drawn from the posterior itself.

``test_value.py`` measures realised gains in simulated worlds, where a world's truth is one
point the posterior spreads over: the realised order of the designs inside one world is
mostly that world's luck. Here the truth of each "world" is a posterior draw held out from
the draws EVSI uses (one chain values, the other chain supplies truths), so the model is
exactly right and, averaged over truths, the realised gain of each design must equal its
EVSI (up to Monte Carlo error and the estimator's cross-fitting), and the designs' realised
order must follow their EVSI order. A design's realised gain for truth ``j``: simulate its
result from truth ``j`` (lift plus ``sigma x z_j``, ``z_j`` shared by the designs), weight
the valuing chain's draws by it, re-optimise the budget (as ``design_tests`` does, without
cross-fitting) and score the new plan against the old one on truth ``j``'s own curves.

    nice -n 5 python benchmarks/evsi_self.py --worlds 0 10 --truths 150
"""

from __future__ import annotations

import argparse
import logging
import warnings

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from test_value import CANDIDATES, CHANNELS, HORIZON, SPEC, WORLD_ROI_PRIOR, WORLDS_FROM, world

import bayes_mmm as bm
from bayes_mmm.experiments.check import held_out_gains, split_chains

log = logging.getLogger("bench")


def run_world(seed: int, n_truths: int, draws: int) -> list[dict]:
    data = world(seed).to_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = bm.fit(data, bm.ModelSpec(**SPEC), seed=1, chains=2, draws=draws, tune=300,
                      progress=False)  # fmt: skip
    valuing, truths = split_chains(full)
    cands = pd.DataFrame(
        [(c, ch, w) for c in CHANNELS for ch, w in CANDIDATES],
        columns=["channel", "change", "weeks"],
    )
    ranked = bm.design_tests(valuing, cands, horizon=HORIZON, n_outcomes=16, seed=seed, refit=None)
    evsi = ranked.set_index("design")["evsi"]
    gains = held_out_gains(valuing, truths, cands, HORIZON, n_truths, seed=3000 + seed)
    r = pd.DataFrame(
        {
            "world": seed,
            "design": gains.index,
            "evsi": evsi[gains.index].to_numpy(),
            "realised": gains.mean(axis=1).to_numpy(),
            "realised_se": (gains.std(axis=1) / np.sqrt(n_truths)).to_numpy(),
        }
    )
    log.info(f"world {seed}: spearman {spearmanr(r['evsi'], r['realised']).statistic:.2f}")
    return r.to_dict("records")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--worlds", type=int, nargs=2, default=(0, 10))
    p.add_argument("--truths", type=int, default=150)
    p.add_argument("--draws", type=int, default=600, help="per chain")
    p.add_argument("--worlds-from", choices=("grid", "prior"), default="prior")
    p.add_argument("--grid", choices=("always_on", "mixed"), default="always_on")
    p.add_argument("--out", default="benchmarks/results/evsi_self.csv")
    args = p.parse_args()
    SPEC["priors"] = WORLD_ROI_PRIOR
    WORLDS_FROM["prior"] = args.worlds_from == "prior"
    WORLDS_FROM["mixed"] = args.grid == "mixed"
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("bayes_mmm").setLevel(logging.WARNING)
    rows = []
    for seed in range(*args.worlds):
        rows += run_world(seed, args.truths, args.draws)
        pd.DataFrame(rows).to_csv(args.out, index=False)
    r = pd.DataFrame(rows)
    c = r.groupby("world")[["evsi", "realised"]].transform(lambda x: x - x.mean())
    per = r.groupby("world").apply(
        lambda g: spearmanr(g["evsi"], g["realised"]).statistic, include_groups=False
    )
    print(f"mean EVSI {r['evsi'].mean():.0f}, mean realised {r['realised'].mean():.0f}")
    print(f"centred Pearson {np.corrcoef(c['evsi'], c['realised'])[0, 1]:.2f}")
    se = per.std(ddof=1) / np.sqrt(len(per))
    print(f"inside-world Spearman mean {per.mean():.2f} (se {se:.2f})")


if __name__ == "__main__":
    main()
