"""Does cross-fitting bias EVSI by design, and is the posterior calibrated by spend rank?

For the go-dark designs of ``test_value.py``'s worlds (default prior): cross-fitted EVSI
(as ``design_tests``), in-sample EVSI (plan chosen and scored on all reweighted draws, as
the realised gain's plan is chosen), the realised reweighting gain over 8 measurement
errors, and the posterior's predictive of the true lift (for coverage by spend rank).

    nice -n 10 python benchmarks/evsi_crossfit.py 0 80   # -> benchmarks/results/evsi_crossfit.csv
"""

import copy
import logging
import sys

import numpy as np
import pandas as pd
from test_value import CHANNELS, HORIZON, reweighted_regret, setting

from bayes_mmm.experiments.candidates import candidate_tests
from bayes_mmm.experiments.value import Decision, outcome_weights, reoptimise
from bayes_mmm.experiments.weighted import WeightedObjective
from bayes_mmm.experiments.window import lift_values

logging.getLogger("bayes_mmm").setLevel(logging.WARNING)
w0, w1 = int(sys.argv[1]), int(sys.argv[2])
rows = []
for seed in range(w0, w1):
    _sim, data, true, truth, budget, best, base, alloc, plan0, r0 = setting(seed)
    cands = pd.DataFrame(
        [(c, "go_dark", 4) for c in CHANNELS], columns=["channel", "change", "weeks"]
    )
    tests, table = candidate_tests(base, cands)
    lift = lift_values(base.forward(), tests, data.channels)
    true_lift = lift_values(true.forward(), tests, data.channels)[0]
    dec = Decision.make(base, HORIZON, "mean", None, None, None)
    order = np.argsort(-data.spend.sum(axis=0))
    rank = np.empty(4, int)
    rank[order] = np.arange(4)
    z = np.random.default_rng(1000 + seed).standard_normal(8)
    for i in range(4):
        w, e, k = outcome_weights(lift[:, [i]], tests.sigma[[i]], np.random.default_rng(0), 16)
        cf = np.mean([dec.gain(r) for r in w])
        ins = []
        for r in w:
            s = copy.copy(alloc)
            s.objective = WeightedObjective(alloc.objective, r)
            new = reoptimise(s, budget, plan0)
            ins.append(s.value(new) - s.value(plan0))
        rw = [
            r0
            - reweighted_regret(
                alloc,
                plan0,
                budget,
                lift[:, i],
                true_lift[i] + tests.sigma[i] * zk,
                tests.sigma[i],
                truth,
                best,
            )
            for zk in z
        ]
        rows.append(
            dict(
                world=seed,
                channel=CHANNELS[i],
                rank=rank[i],
                evsi_cf=cf,
                evsi_in=np.mean(ins),
                rw_gain=np.mean(rw),
                ess=np.median(e),
                true_lift=true_lift[i],
                post_lift=lift[:, i].mean(),
                post_sd=lift[:, i].std(),
                sigma=tests.sigma[i],
            )
        )
    pd.DataFrame(rows).to_csv("benchmarks/results/evsi_crossfit.csv", index=False)
    print(seed, flush=True)
