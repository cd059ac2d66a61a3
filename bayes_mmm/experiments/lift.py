"""Lift tests after the fit: the lift the model predicts for each experiment, per posterior
draw, against what was measured; and the predicted lift of planned experiments.

The predicted lift of a test on channel ``c`` is the steady-state response difference
``beta_c * (h(x1) - h(x0))`` of :mod:`bayes_mmm.data.lift` (the model's likelihood term for
the test, :meth:`bayes_mmm.model.forward.Forward.lift`), in outcome per period.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from bayes_mmm.analysis.scope import is_geo
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.data.lift import LiftTests, parse_lift_tests
from bayes_mmm.experiments.window import geo_window_lift, lift_values
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D


def lift_draws(fit: MMMFit, tests: LiftTests | pd.DataFrame | None = None) -> xr.DataArray:
    """``(chain, draw, lift_test)``: the change in weekly outcome each test's spend change
    would make at steady state (windowed tests: the total change over the test's measurement
    window, :mod:`bayes_mmm.experiments.window`). ``tests`` defaults to the fit's own lift
    tests; a table with columns ``channel, spend, delta_spend`` (and ``weeks``,
    ``carryover_weeks`` for windowed tests) gives the prediction of planned experiments (any
    ``lift``, ``sigma`` columns are ignored)."""
    if tests is None:
        tests = fit.data.lift_tests
        if not tests:
            raise ValueError("this fit has no lift tests; pass a table of tests to predict")
    elif isinstance(tests, pd.DataFrame):  # planned tests: nothing measured yet
        geos = fit.data.geos if is_geo(fit) else None
        tests = parse_lift_tests(tests.assign(lift=1.0, sigma=1.0), fit.data.channels, geos)
    if is_geo(fit):  # summed over each test's geos
        values = geo_window_lift(fit, tests)
    else:
        values = lift_values(fit.forward(), tests, fit.data.channels)
    da = unstack(values, fit.posterior, (D.LIFT_TEST,), {D.LIFT_TEST: tests.labels()})
    da = da.assign_coords({D.CHANNEL: (D.LIFT_TEST, list(tests.channel))})
    da.attrs["units"] = f"{fit.data.target_name} per period"
    return da.rename("lift")


def lift_table(fit: MMMFit, ci_prob: float | None = None) -> pd.DataFrame:
    """One row per lift test of the fit: the test, the measured lift, the model's posterior
    mean and interval, and ``z = (model mean - measured) / sigma`` (|z| well above 2: the
    model and the experiment disagree; look at the test or the model)."""
    tests = fit.data.lift_tests
    summary = summarise(lift_draws(fit), ci_prob)
    df = tests.to_frame()
    df.insert(0, D.LIFT_TEST, tests.labels())
    for name in ("mean", "lower", "upper"):
        df[f"model_{name}"] = summary[name].values
    df["z"] = (df["model_mean"] - tests.lift) / tests.sigma
    return df
