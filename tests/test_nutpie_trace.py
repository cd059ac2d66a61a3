"""nutpie without ArviZ's whole stack (issue 19, :mod:`bayes_mmm.inference._nutpie`).

- The raw trace read by :func:`trace_datasets` equals nutpie's own DataTree conversion of
  the same draws (same seed): every posterior variable, dims and coordinates; every sampler
  statistic nutpie keeps by default, with its dtype (an integer column with missing rows
  reads 0, as nutpie reads it).
- :func:`import_nutpie` leaves ``arviz`` unimported, and a later ``import arviz`` gets the
  real package.
- A whole ``bayes-mmm fit`` (plots and report included) never imports the plotting stack
  (``arviz``, ``arviz_plots``, ``matplotlib.pyplot``) in its own process: the figures are
  drawn in the PNG worker. Checked in fresh interpreters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pymc as pm
import xarray as xr

from bayes_mmm.inference._compile.memo import compile_reusing
from bayes_mmm.inference._nutpie import import_nutpie, trace_datasets

ROOT = Path(__file__).resolve().parent.parent


def _model() -> pm.Model:
    with pm.Model(coords={"channel": ["tv", "radio", "social"]}) as model:
        roi = pm.LogNormal("roi", 0.0, 0.5, dims="channel")
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Deterministic("roi_share", roi / roi.sum(), dims="channel")
        pm.Normal("y", roi.sum(), sigma, observed=np.array([2.9, 3.4, 3.1, 2.7]))
    return model


def test_the_raw_trace_reads_as_nutpies_own_conversion():
    nutpie = import_nutpie()
    compiled, _ = compile_reusing(_model())
    kw = dict(draws=40, tune=40, chains=2, seed=5, cores=1, save_warmup=False)
    kw.update(progress_bar=False, adaptation="low_rank")
    own = nutpie.sample(compiled, **kw)
    posterior, stats = trace_datasets(
        nutpie.sample(compiled, return_raw_trace=True, **kw), compiled
    )
    expected = own["posterior"].to_dataset()
    xr.testing.assert_identical(posterior.drop_attrs(), expected.drop_attrs())
    assert posterior["roi"].dims == ("chain", "draw", "channel")
    assert list(posterior["channel"].values) == ["tv", "radio", "social"]
    want = own["sample_stats"].to_dataset()
    assert sorted(stats.data_vars) == sorted(want.data_vars)
    for name, var in want.data_vars.items():
        got = stats[name]
        assert got.dtype == var.dtype and got.dims == var.dims, name
        same = (got.values == var.values) | (got.isnull().values & var.isnull().values)
        assert same.all(), name
    assert stats["diverging"].dtype == bool and stats.sizes == {"chain": 2, "draw": 40}


_IMPORT = textwrap.dedent(
    """
    import json, sys
    from bayes_mmm.inference._nutpie import import_nutpie
    nutpie = import_nutpie()
    after = sorted(m for m in ("arviz", "arviz_plots", "matplotlib.pyplot") if m in sys.modules)
    import arviz
    print(json.dumps({"after": after, "nutpie": hasattr(nutpie, "sample"),
                      "real": hasattr(arviz, "__version__") and hasattr(arviz, "plot_dist")}))
    """
)


def test_nutpie_is_imported_without_arviz_and_arviz_stays_importable():
    done = subprocess.run([sys.executable, "-c", _IMPORT], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"after": [], "nutpie": True, "real": True}


# a user's file: another date and target column, channels with spaces
_FIT = textwrap.dedent(
    """
    import json, sys, warnings
    from pathlib import Path
    import bayes_mmm as bm
    from bayes_mmm.cli import main

    tmp = Path(sys.argv[1])
    sim = bm.simulate(60, channels=("TV spend", "Paid search", "social"), seed=3)
    sim.frame.rename(columns={"date": "Week Start", "sales": "revenue"}).to_csv(tmp / "d.csv")
    args = ["fit", str(tmp / "d.csv"), "--date", "Week Start", "--target", "revenue",
            "--channels", ",".join(sim.channels), "--controls", ",".join(sim.controls),
            "--chains", "1", "--draws", "30", "--tune", "30", "--seed", "1",
            "--out", str(tmp / "out"), "--quiet"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(args)
    plotting = ("arviz", "arviz_plots", "matplotlib.pyplot")
    files = sorted(p.name for p in (tmp / "out" / "plots").glob("*.png"))
    print(json.dumps({"code": code, "imported": [m for m in plotting if m in sys.modules],
                      "pngs": files, "report": (tmp / "out" / "report.html").is_file()}))
    """
)


def test_a_command_fit_never_imports_the_plotting_stack_in_its_own_process(tmp_path):
    env = {"BAYES_MMM_PLOT_WORKER": "1"}  # the worker draws, whatever the machine's cores
    done = subprocess.run([sys.executable, "-c", _FIT, str(tmp_path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, env={**os.environ, **env})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["report"]
    assert "contributions.png" in report["pngs"] and len(report["pngs"]) >= 6
    assert report["imported"] == []
