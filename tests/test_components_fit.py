"""The registered components in fitted models: logistic saturation and delayed adstock are
selectable from Python, the spec file and the command line, compile on the fast path, and
the model's own graph at posterior draws equals the numpy forward model (as for the default,
tests/test_fit_plumbing.py). Slow: recovery on data simulated with each form, and logistic
against Hill on logistic data (ROI error and LOO)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from designs import CHANNELS, PATTERNS, full_fit
from test_fit_plumbing import MeanFunction

import bayes_mmm as bm
from bayes_mmm import checking
from bayes_mmm.cli import main
from bayes_mmm.inference._compile import fast
from bayes_mmm.model import dims as D
from bayes_mmm.model.build import build_model

SPECS = {
    "default": bm.ModelSpec(),
    "logistic": bm.ModelSpec(saturation="logistic"),
    "delayed": bm.ModelSpec(adstock="delayed"),
    "delayed+logistic": bm.ModelSpec(adstock="delayed", saturation="logistic"),
    "michaelis_menten": bm.ModelSpec(saturation="michaelis_menten"),
    "no_adstock": bm.ModelSpec(adstock=False),
}
SMALL = dict(chains=2, draws=150, tune=250, seed=4, progress=False)


def small_fit(data, spec) -> bm.MMMFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, spec, **SMALL)


@pytest.mark.parametrize("name", ["default", "logistic", "delayed"])
def test_fast_compile_path_is_used(name):
    """A fall back to nutpie's compiler costs ~15 s per fit: it must not happen silently for
    the models we ship."""
    model = build_model(bm.load_demo()[0], SPECS[name])
    _, info = fast.compile_nutpie(model)
    assert info.path == "fast", info.reason


@pytest.fixture(scope="module")
def delayed_logistic_fit():
    return small_fit(bm.load_demo()[0], SPECS["delayed+logistic"])


def test_fit_records_components_and_compile_path(delayed_logistic_fit):
    fit = delayed_logistic_fit
    assert {"lam", "peak", "decay", "roi"} <= set(fit.posterior.data_vars)
    assert not {"half_saturation", "slope"} & set(fit.posterior.data_vars)
    assert fit.diagnostics.compile_path == "fast" and fit.diagnostics.compile_fallback == ""
    assert bm.ModelSpec.from_json(fit.spec.to_json()) == fit.spec
    table = bm.parameter_summary(fit)
    assert "lam[tv]" in table.index and "peak[tv]" in table.index


def test_graph_equals_numpy_forward_model(delayed_logistic_fit):
    """Components summed equal the PyMC model's own ``mu`` at posterior draws."""
    fit = delayed_logistic_fit
    mean = MeanFunction(fit)
    total = bm.contributions(fit).sum(D.COMPONENT).stack(sample=(D.CHAIN, D.DRAW))
    total = total.transpose("sample", D.DATE).values
    for s in range(0, total.shape[0], 37):
        mu = mean(mean.values(s))[0]
        np.testing.assert_allclose(total[s], mu * fit.scales.target, rtol=1e-9)
    np.testing.assert_allclose(bm.roi_draws(fit).values, fit.posterior["roi"].values, rtol=1e-10)


def test_analyses_run_for_other_components(delayed_logistic_fit):
    fit = delayed_logistic_fit
    a = bm.analyse(fit)
    assert np.isfinite(a.roi_table[["roi_mean", "mroi_mean"]].to_numpy()).all()
    curves = a.response_curves
    assert (curves.isel(spend_multiple=0) == 0).all()
    assert (curves.diff("spend_multiple") >= 0).all()
    w = a.adstock
    np.testing.assert_allclose(w.sum("lag").values, 1.0)
    assert isinstance(a.learning_flags, list)
    alloc = bm.budget.optimize(fit, 8)
    assert np.isfinite(alloc.table["recommended_spend"]).all()


def test_cli_selects_components(tmp_path):
    data = bm.simulate(104, channels=("tv", "search"), seed=5)
    csv = tmp_path / "data.csv"
    data.frame.to_csv(csv, index=False)
    out = tmp_path / "out"
    args = ["fit", str(csv), "--date", "date", "--target", "sales", "--channels", "tv,search"]
    args += ["--saturation", "logistic", "--adstock", "delayed", "--out", str(out), "--quiet"]
    args += ["--chains", "2", "--draws", "100", "--tune", "150", "--no-plots"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        assert main(args) == 0
    fit = bm.load(out / "model.nc")
    assert (fit.spec.saturation, fit.spec.adstock) == ("logistic", "delayed")
    assert json.loads((out / "diagnostics.json").read_text())["compile_path"] == "fast"


def test_spec_file_selects_components(tmp_path):
    spec = bm.ModelSpec.from_dict({"saturation": "logistic", "adstock": "delayed"})
    assert spec.channel_params == ("roi", "decay", "peak", "lam")
    assert bm.ModelSpec.from_dict({"adstock": False}).adstock == "none"  # files of earlier versions
    with pytest.raises(ValueError, match="unknown parameter 'slope'"):
        bm.ModelSpec(saturation="logistic", priors={"slope": bm.Prior("LogNormal", mu=0, sigma=1)})
    lam = bm.Prior("LogNormal", mu=0.5, sigma=0.2)
    spec = bm.ModelSpec(saturation="logistic", channel_priors={"tv": {"lam": lam}})
    priors = spec.resolve_priors(("tv", "search"), 1000.0, np.array([100.0, 100.0]))
    assert priors["lam"].params["mu"][0] == 0.5


# ---- recovery (slow) ----------------------------------------------------------------------------
LOGISTIC_TRUTH = dict(lam=[1.4, 0.9, 1.8, 1.1], decay=[0.6, 0.2, 0.4, 0.3])
TRUE_ROI = [1.5, 2.5, 1.0, 0.6]


def simulate(seed: int, **forms) -> bm.Simulation:
    params = dict(LOGISTIC_TRUTH) if forms.get("saturation") == "logistic" else {}
    if forms.get("adstock") == "delayed":
        params.update(decay=[0.7, 0.5, 0.6, 0.6], peak=[2.0, 0.5, 1.0, 1.5])
        if forms.get("saturation") != "logistic":
            params.update(half_saturation=[1.0, 0.8, 1.2, 1.5], slope=[1.5, 1.2, 2.0, 1.0])
    return bm.simulate(
        156, CHANNELS, PATTERNS, roi=TRUE_ROI, seed=seed, mean_spend=[1500, 800, 700, 500],
        media_share=0.45, noise=0.04, spend_variability=0.7, **forms, **params,
    )  # fmt: skip


def roi_error(fit: bm.MMMFit, sim: bm.Simulation) -> np.ndarray:
    truth = np.asarray(sim.truth.roi)
    return np.abs(bm.roi_table(fit)["roi_mean"].to_numpy() - truth) / truth


@pytest.fixture(scope="module")
def logistic_data():
    return simulate(2, saturation="logistic")


@pytest.fixture(scope="module")
def logistic_fits(logistic_data):
    data = logistic_data.to_data()
    return {
        "logistic": full_fit(data, spec=bm.ModelSpec(saturation="logistic")),
        "hill": full_fit(data),
    }


@pytest.mark.slow
def test_logistic_recovers_logistic_truth(logistic_data, logistic_fits):
    fit = logistic_fits["logistic"]
    table = bm.roi_table(fit)
    truth = np.asarray(logistic_data.truth.roi)
    inside = (table.roi_lower.to_numpy() <= truth) & (truth <= table.roi_upper.to_numpy())
    assert inside.all(), table.assign(truth=truth)
    assert fit.diagnostics.divergences == 0 and fit.diagnostics.max_r_hat <= 1.01


@pytest.mark.slow
def test_logistic_beats_hill_on_logistic_data(logistic_data, logistic_fits):
    """The right curve wins on both counts: lower ROI error and higher LOO elpd."""
    errors = {k: roi_error(f, logistic_data) for k, f in logistic_fits.items()}
    assert errors["logistic"].mean() < errors["hill"].mean(), errors
    table = checking.compare(logistic_fits)
    assert table.index[0] == "logistic", table


@pytest.mark.slow
def test_delayed_adstock_recovers_its_truth():
    sim = simulate(3, adstock="delayed")
    fit = full_fit(sim.to_data(), spec=bm.ModelSpec(adstock="delayed"))
    table = bm.roi_table(fit)
    truth = np.asarray(sim.truth.roi)
    inside = (table.roi_lower.to_numpy() <= truth) & (truth <= table.roi_upper.to_numpy())
    assert inside.sum() >= 3, table.assign(truth=truth)
    peak = fit.posterior["peak"].mean(("chain", "draw")).values
    assert peak[0] > peak[1], peak  # tv's effect peaks later than search's (2 vs 0.5 weeks)
    assert fit.diagnostics.divergences == 0 and fit.diagnostics.max_r_hat <= 1.01
