"""Shared fixtures: one small fit of the bundled demo, a quick (Laplace) fit of Robyn's sample
data, and a small valid input table.

The whole session uses a compile cache of its own (``BAYES_MMM_CACHE_DIR`` set to a temporary
directory before any test runs, inherited by subprocesses, notebook kernels and pytest-xdist
workers): tests never read or write the user's cache, and fits elsewhere on the machine
cannot disturb them.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

import bayes_mmm as bm

# pytest-xdist workers inherit the controller's environment: they share its cache (the
# compile cache is safe for concurrent processes), so each structure compiles once per run
_SESSION_CACHE = "BAYES_MMM_TEST_SESSION_CACHE"
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(_SESSION_CACHE):
    os.environ["BAYES_MMM_CACHE_DIR"] = os.environ[_SESSION_CACHE]
else:
    _CACHE = tempfile.TemporaryDirectory(prefix="bayes_mmm_test_cache_")
    os.environ["BAYES_MMM_CACHE_DIR"] = os.environ[_SESSION_CACHE] = _CACHE.name

ROBYN = Path(__file__).parent / "data" / "robyn_dt_simulated_weekly.csv"

# column roles of the small table built by ``make_frame``
FRAME_COLUMNS = dict(date="date", target="sales", channels=["tv", "search"], controls=["promo"])


@pytest.fixture(scope="session")
def demo_fit() -> bm.MMMFit:
    """The bundled demo fitted once with small settings (shared by the plumbing tests)."""
    data, _ = bm.load_demo()
    with warnings.catch_warnings():
        # short chains may not meet the ESS target; that is not what these tests check
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, chains=2, draws=200, tune=300, seed=1, progress=False)


@pytest.fixture(scope="session")
def robyn_fit() -> bm.MMMFit:
    """Robyn's sample (tests/data) as its demo reads it, outcome in millions, four controls,
    exposure and organic media; a Laplace fit (seconds: for figures and plumbing)."""
    data = bm.read_csv(
        ROBYN,
        date="DATE",
        target="revenue",
        channels=["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
        controls=["competitor_sales_B", "events"],
        categorical=["events"],
        exposure={"facebook_S": "facebook_I", "search_S": "search_clicks_P"},
        organic=["newsletter"],
        holidays="DE",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)  # approximate, few draws: known
        return bm.fit(data, sampler="laplace", chains=1, draws=200, seed=3, progress=False)


@cache
def _simulated_frame(n_rows: int, period_days: int) -> pd.DataFrame:
    sim = bm.simulate(n_rows, channels=("tv", "search"), period_days=period_days, seed=3)
    return sim.frame


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    """Build a fresh, valid table to derive bad inputs from.

    ``make_frame()`` gives 60 weekly rows with columns ``date, sales, tv, search, promo``
    (``FRAME_COLUMNS`` names their roles); ``period_days=1`` gives daily rows.
    """

    def build(n_rows: int = 60, period_days: int = 7) -> pd.DataFrame:
        return _simulated_frame(n_rows, period_days).copy()

    return build


@pytest.fixture
def frame_columns() -> dict:
    """Keyword arguments naming the roles of the columns of ``make_frame()``'s table."""
    return {k: list(v) if isinstance(v, list) else v for k, v in FRAME_COLUMNS.items()}
