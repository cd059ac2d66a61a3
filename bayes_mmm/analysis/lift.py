"""Lift tests after the fit: the lift the model predicts for each experiment, per posterior
draw, against what was measured; and the predicted lift of planned experiments.

The predicted lift of a test on channel ``c`` is the steady-state response difference
``beta_c * (hill(x1) - hill(x0))`` of :mod:`bayes_mmm.data.lift` (the model's likelihood term
for the test, in numpy), in outcome per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm import dims as D
from bayes_mmm.analysis.summary import interval
from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.fit import MMMFit
from bayes_mmm.idata import unstack
from bayes_mmm.transforms import hill


def lift_draws(fit: MMMFit, tests: LiftTests | pd.DataFrame | None = None) -> xr.DataArray:
    """``(chain, draw, lift_test)``: the change in weekly outcome each test's spend change
    would make at steady state. ``tests`` defaults to the fit's own lift tests; any table
    with columns ``channel, spend, delta_spend`` (``lift`` and ``sigma`` optional) gives the
    prediction of planned experiments."""
    if tests is None:
        tests = fit.data.lift_tests
        if not tests:
            raise ValueError("this fit has no lift tests; pass a table of tests to predict")
    elif isinstance(tests, pd.DataFrame):
        tests = parse_lift_tests(
            tests.assign(**{c: tests.get(c, 1.0) for c in ("lift", "sigma")}),
            fit.data.channels,
        )
    idx = tests.channel_index(fit.data.channels)
    unit = fit.scales.spend[idx]
    x = np.stack([tests.spend, tests.spend + tests.delta_spend]) / unit  # (2, test)
    p = fit.draws(D.HALF_SAT, D.SLOPE, "beta")
    response = hill(x, p[D.HALF_SAT][:, idx], p[D.SLOPE][:, idx])  # (sample, 2, test)
    values = p["beta"][:, idx] * (response[:, 1] - response[:, 0])
    da = unstack(values, fit.posterior, (D.LIFT_TEST,), {D.LIFT_TEST: tests.labels()})
    da = da.assign_coords({D.CHANNEL: (D.LIFT_TEST, list(tests.channel))})
    da.attrs["units"] = f"{fit.data.target_name} per period"
    return da.rename("lift")


def lift_table(fit: MMMFit, ci_prob: float = 0.90) -> pd.DataFrame:
    """One row per lift test of the fit: the test, the measured lift, the model's posterior
    mean and interval, and ``z = (model mean - measured) / sigma`` (|z| well above 2: the
    model and the experiment disagree; look at the test or the model)."""
    tests = fit.data.lift_tests
    draws = lift_draws(fit)
    lo, hi = interval(draws, ci_prob)
    mean = draws.mean(D.SAMPLE_DIMS).values
    df = tests.to_frame()
    df.insert(0, D.LIFT_TEST, tests.labels())
    df["model_mean"], df["model_lower"], df["model_upper"] = mean, lo.values, hi.values
    df["z"] = (mean - tests.lift) / tests.sigma
    return df
