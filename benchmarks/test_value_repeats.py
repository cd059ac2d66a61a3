"""``test_value.py``'s two arms that matter for issue 15, top-EVSI test vs "go dark on the
biggest channel", each world's regret averaged over several simulated results.

``test_value.py`` scores each arm of a world on one simulated result (measurement error
``z[0]``) and one refit. This script takes the arms' designs from its csv and refits them on
further results, ``z[1..K-1]`` of the same per-world draw ``test_value.py`` uses for its
reweighting gains (common random numbers: both arms see the same ``z[k]`` and the same refit
seed; where the two arms chose the same design their regrets are the same refit). A world's
regret per arm is then the mean over its ``K`` results: the noise of one result averaged out,
the spread between worlds left. The first refit (``z[0]``) is redone too and must reproduce
the csv's ``regret_after`` (a check that the world, the fit and the plan are the same) where
the world's first fit is still the csv's (worlds run by older code may differ: their ``K``
results are all from the current code, the arms' designs stay the csv's).

    nice -n 5 python benchmarks/test_value_repeats.py \
        --arms benchmarks/results/test_value_prior.csv --roi-prior world --results 4
"""

from __future__ import annotations

import argparse
import logging
import os

import numpy as np
import pandas as pd
import test_value as tv

from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.window import lift_values

log = logging.getLogger("bench")


def world_rows(seed: int, designs: dict[str, str], results: int, row: pd.Series) -> list[dict]:
    """Regret after refitting each distinct design of ``designs`` (arm -> design label) on
    results ``z[0..results-1]``; ``row``: the csv's arms of this world, to check ``z[0]``."""
    _sim, data, true, truth, budget, best, base, _alloc, _plan0, r0 = tv.setting(seed)
    same = bool(np.isclose(r0, row["regret_before"], rtol=1e-6))  # else: fitted by older code
    tests, table = candidate_tests(base, tv.candidate_frame())
    labels = list(table["design"])
    true_lift = lift_values(true.forward(), tests, data.channels)[0]
    z = np.random.default_rng(1000 + seed).standard_normal(results)
    rows = []
    for design in dict.fromkeys(designs.values()):
        i = labels.index(design)
        one = tests.subset(np.arange(len(tests)) == i)
        for k, zk in enumerate(z):
            frame = one.to_frame().assign(lift=true_lift[i] + one.sigma[0] * zk)
            regret = tv.regret_after(data, frame, truth, budget, best)
            rows += [
                {"world": seed, "result": k, "choice": arm, "design": design,
                 "regret_before": r0, "regret_after": regret, "same_setting": same}
                for arm, d in designs.items() if d == design
            ]  # fmt: skip
    for arm in designs if same else ():
        first = next(r["regret_after"] for r in rows if r["choice"] == arm and r["result"] == 0)
        if not np.isclose(first, row[f"after_{arm}"], rtol=1e-6, atol=1e-6):
            raise RuntimeError(f"world {seed} {arm}: z[0] refit {first} != {row[f'after_{arm}']}")
    return rows


def summary(rows: pd.DataFrame, arms: pd.DataFrame) -> str:
    """The paired difference top - biggest: one result (the csv) vs the mean of K results."""
    k = int(rows["result"].max()) + 1
    mean = rows.groupby(["world", "choice"])["regret_after"].mean().unstack()
    one = arms.pivot(index="world", columns="choice", values="regret_after").loc[mean.index]
    rng = np.random.default_rng(0)
    before = rows.groupby("world")["regret_before"].first()
    lines = [
        f"worlds: {len(mean)}; results per world and arm: {k} (z[0] is `test_value.py`'s)",
        "",
        "| regret, paired over worlds | mean | se | 90% t interval | 90% bootstrap |",
        "|---|---|---|---|---|",
        "| top - biggest, one result (z[0]) | "
        f"{tv.paired((one.top - one.biggest).to_numpy(), rng)} |",
        f"| top - biggest, mean of {k} results | "
        f"{tv.paired((mean.top - mean.biggest).to_numpy(), rng)} |",
        f"| top - none, mean of {k} results | {tv.paired((mean.top - before).to_numpy(), rng)} |",
        f"| biggest - none, mean of {k} results | "
        f"{tv.paired((mean.biggest - before).to_numpy(), rng)} |",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--arms", default="benchmarks/results/test_value_prior.csv")
    p.add_argument("--results", type=int, default=4, help="simulated results per world and arm")
    p.add_argument("--roi-prior", choices=("default", "world"), default="world")
    p.add_argument("--grid", choices=("always_on", "mixed"), default="always_on")
    p.add_argument("--shard", default="0/1", help="i/n: this process runs worlds w with w % n == i")
    p.add_argument("--summarize", action="store_true")
    args = p.parse_args()
    if args.roi_prior == "world":
        tv.SPEC["priors"] = tv.WORLD_ROI_PRIOR
    tv.WORLDS_FROM["mixed"] = args.grid == "mixed"
    logging.basicConfig(level=logging.INFO)
    arms = pd.read_csv(args.arms)
    wide = arms.pivot(index="world", columns="choice", values=["design", "regret_after"])
    base = args.arms.replace(".csv", "_repeats")
    if args.summarize:
        parts = [pd.read_csv(f"{base}{s}.csv") for s in _shard_files(base)]
        rows = pd.concat(parts).sort_values(["world", "result", "choice"])
        text = "# Top-EVSI test vs the biggest channel's go-dark, several results per world\n\n"
        text += summary(rows, arms)
        with open(f"{base}.md", "w") as f:
            f.write(text + "\n")
        print(text)
        return
    i, n = (int(x) for x in args.shard.split("/"))
    path = f"{base}_{i}of{n}.csv"
    rows = pd.read_csv(path).to_dict("records") if os.path.exists(path) else []
    done = {int(r["world"]) for r in rows}
    differ = wide[("design", "top")] != wide[("design", "biggest")]
    order = [*wide.index[differ], *wide.index[~differ]]  # where the arms differ first
    for seed in (int(w) for w in order if w % n == i and w not in done):
        designs = {a: wide.loc[seed, ("design", a)] for a in ("top", "biggest")}
        row = pd.Series(
            {"regret_before": arms.loc[arms.world == seed, "regret_before"].iloc[0]}
            | {f"after_{a}": wide.loc[seed, ("regret_after", a)] for a in designs}
        )
        rows += world_rows(seed, designs, args.results, row)
        tv._write(pd.DataFrame(rows), path)
        log.info(f"world {seed}: {[r['regret_after'] for r in rows if r['world'] == seed]}")


def _shard_files(base: str) -> list[str]:
    folder, stem = os.path.split(base)
    return sorted(
        f[len(stem) : -4]
        for f in os.listdir(folder or ".")
        if f.startswith(stem + "_") and f.endswith(".csv")
    )


if __name__ == "__main__":
    main()
