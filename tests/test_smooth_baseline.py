"""The smooth time-varying baseline (``ModelSpec(baseline="smooth")``): its numpy and
pytensor twins, its basis, the spec and command line, and a small fit whose contributions
equal the PyMC model's own mean, draw by draw."""

from __future__ import annotations

import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from test_fit_plumbing import MeanFunction

import bayes_mmm as bm
from bayes_mmm.cli import build_parser
from bayes_mmm.cli.fit import spec_from_args
from bayes_mmm.model import dims as D
from bayes_mmm.model.components import smooth
from bayes_mmm.model.design import make_design
from bayes_mmm.model.priors import Prior


@pytest.fixture(scope="module")
def smooth_fit() -> bm.MMMFit:
    sim = bm.simulate(104, ("tv", "search"), seed=5, baseline="level_shift", trend=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        spec = bm.ModelSpec(baseline="smooth")
        return bm.fit(sim.to_data(), spec, chains=2, draws=200, tune=300, seed=2, progress=False)


def test_numpy_and_pytensor_twins_are_equal():
    rng = np.random.default_rng(0)
    time, span, m = np.linspace(0, 1, 80), 79.0, smooth.n_basis(79.0)
    amp, ell, z = pt.dscalar(), pt.dscalar(), pt.dvector()
    phi, omega, log_rms = smooth.weekly_basis(time, m, span)
    fn = pytensor.function([amp, ell, z], smooth.smooth_pt(amp, ell, z, phi, omega, log_rms))
    draws = {
        smooth.AMPLITUDE: rng.uniform(0.01, 0.3, 5),
        smooth.LENGTHSCALE: rng.uniform(5, 80, 5),
        smooth.Z: rng.normal(size=(5, m)),
    }
    f = smooth.smooth_forward(draws, time, span)
    assert f.shape == (5, 80)
    for s in range(5):
        args = [draws[k][s] for k in (smooth.AMPLITUDE, smooth.LENGTHSCALE, smooth.Z)]
        np.testing.assert_allclose(fn(*args), f[s], rtol=1e-10, atol=1e-12)


def test_basis_has_no_level_or_trend_and_holds_outside_the_window():
    grid = np.linspace(0, 1, 1001)
    phi, omega, log_rms = smooth.basis(grid, 12)
    assert np.all(np.diff(omega) > 0)
    np.testing.assert_allclose(np.log(phi.std(axis=0)), log_rms, atol=1e-3)
    np.testing.assert_allclose(phi.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose((phi * (grid - 0.5)[:, None]).mean(axis=0), 0, atol=1e-10)
    outside, *_ = smooth.basis(np.array([-0.3, 0.0, 1.0, 1.4]), 12)
    np.testing.assert_allclose(outside[0], outside[1])
    np.testing.assert_allclose(outside[3], outside[2])


def test_amplitude_is_the_prior_rms_over_the_window_at_any_length_scale():
    """Draws of ``f`` have root-mean-square ``amplitude`` over the window whatever the
    length scale (no amplitude / length-scale ridge), and are smoother for longer scales."""
    rng = np.random.default_rng(1)
    time, span, m = np.linspace(0, 1, 157), 156.0, smooth.n_basis(156.0)
    rms, rough = {}, {}
    for ell in (12.0, 40.0, 150.0, 1000.0):
        draws = {
            smooth.AMPLITUDE: np.full(2000, 0.1),
            smooth.LENGTHSCALE: np.full(2000, ell),
            smooth.Z: rng.normal(size=(2000, m)),
        }
        f = smooth.smooth_forward(draws, time, span)
        rms[ell] = np.sqrt((f**2).mean())
        rough[ell] = np.abs(np.diff(f, 2, axis=1)).mean()
    for ell in rms:
        assert rms[ell] == pytest.approx(0.1, rel=0.08), ell
    assert rough[40.0] < 0.3 * rough[12.0] and rough[150.0] < 0.6 * rough[40.0]


def test_spec_option_priors_and_round_trip():
    wide = {smooth.AMPLITUDE: Prior("HalfNormal", sigma=0.3)}
    spec = bm.ModelSpec(baseline="smooth", priors=wide)
    assert bm.ModelSpec.from_json(spec.to_json()) == spec
    assert bm.ModelSpec().baseline == "linear"
    with pytest.raises(ValueError, match="baseline must be one of"):
        bm.ModelSpec(baseline="wiggly")
    with pytest.raises(ValueError, match="unknown parameter 'smooth_amplitude'"):
        bm.ModelSpec(priors=wide)
    priors = spec.resolve_priors(("tv",), 100.0, np.array([10.0]))
    assert priors[smooth.AMPLITUDE].params["sigma"] == 0.3
    assert priors[smooth.LENGTHSCALE] == smooth.PRIORS[smooth.LENGTHSCALE]
    assert smooth.AMPLITUDE not in bm.ModelSpec().resolve_priors(("tv",), 100.0, np.ones(1))
    negative = bm.ModelSpec(baseline="smooth", priors={smooth.LENGTHSCALE: Prior("Normal")})
    with pytest.raises(ValueError, match="smooth_lengthscale"):
        negative.resolve_priors(("tv",), 100.0, np.ones(1))
    variants = bm.checking.default_variants()
    assert variants["smooth_baseline"].baseline == "smooth"
    assert bm.checking.default_variants(spec)["linear_baseline"].priors == {}


def test_command_line_option():
    prior = "smooth_lengthscale=LogNormal(mu=3, sigma=0.5)"
    argv = ["fit", "d.csv", "--date", "date", "--target", "y", "--channels", "tv", "--out", "o"]
    args = build_parser().parse_args([*argv, "--baseline", "smooth", "--prior", prior])
    spec = spec_from_args(args)
    assert spec.baseline == "smooth" and spec.priors[smooth.LENGTHSCALE].params["mu"] == 3


def test_fit_uses_the_fast_path_and_contributions_equal_the_models_mean(smooth_fit):
    d = smooth_fit.diagnostics
    assert (d.compile_path, d.compile_fallback) == ("fast", "")
    post = smooth_fit.posterior
    assert post[smooth.Z].dims == (D.CHAIN, D.DRAW, smooth.BASIS_DIM)
    contributions = bm.contributions(smooth_fit)
    assert D.BASELINE in contributions.component.values
    base = contributions.sel(component=D.BASELINE).mean((D.CHAIN, D.DRAW)).values
    assert np.ptp(base) > 0.05 * base.mean()  # the baseline varies over time
    mean = MeanFunction(smooth_fit)
    total = contributions.sum(D.COMPONENT).stack(sample=(D.CHAIN, D.DRAW))
    total = total.transpose("sample", D.DATE).values
    scale = smooth_fit.scales.target
    for s in range(0, total.shape[0], 37):
        mu = mean(mean.values(s))[0]
        np.testing.assert_allclose(total[s], mu * scale, rtol=1e-9, atol=1e-9 * scale)


def test_saved_smooth_fit_loads_and_rebuilds(smooth_fit, tmp_path):
    loaded = bm.load(bm.save(smooth_fit, tmp_path / "model.nc"))
    assert loaded.spec == smooth_fit.spec
    np.testing.assert_allclose(
        bm.contributions(loaded).values, bm.contributions(smooth_fit).values, rtol=1e-12
    )
    assert smooth.Z in loaded.model().named_vars


def _roi_interval(fit: bm.MMMFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    roi = bm.roi_draws(fit).stack(sample=(D.CHAIN, D.DRAW)).transpose("sample", D.CHANNEL).values
    lo, hi = np.quantile(roi, [0.05, 0.95], axis=0)
    return roi.mean(axis=0), lo, hi


@pytest.mark.slow
def test_smooth_baseline_recovers_roi_where_the_linear_trend_is_biased():
    """A slow cycle in the baseline with budgets that follow it: the linear trend cannot
    follow the cycle and pushes it into media (a 90% ROI interval misses the truth); the
    smooth baseline carries it and every 90% interval holds the true ROI. Fails if the
    smooth term is switched off (it is then the linear model) or wired wrongly."""
    sim = bm.simulate(
        104, ("tv", "search"), seed=2, baseline="cycle", trend=0.5, spend_trend=1.0,
        noise=0.03, promo=False, roi=(1.5, 1.0),
    )  # fmt: skip
    truth = np.array(sim.truth.roi)
    result = {}
    for baseline in ("linear", "smooth"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bm.SamplingWarning)
            fit = bm.fit(
                sim.to_data(), bm.ModelSpec(baseline=baseline),
                chains=2, draws=500, tune=500, seed=1, progress=False,
            )  # fmt: skip
        result[baseline] = _roi_interval(fit)
    mean, lo, hi = result["linear"]
    assert ((truth < lo) | (truth > hi)).any(), (mean, lo, hi)
    mean_s, lo_s, hi_s = result["smooth"]
    assert ((lo_s <= truth) & (truth <= hi_s)).all(), (mean_s, lo_s, hi_s)
    error = {k: np.abs(v[0] - truth).max() for k, v in result.items()}
    assert error["smooth"] < 0.5 * error["linear"]


def test_basis_is_orthogonal_to_the_seasonality_and_the_twins_agree_with_it():
    """The smooth term cannot trade off against the yearly Fourier terms (on 1.5-4 year
    windows they shared the 52-week frequency: r_hat up to 1.3 on the baseline grid)."""
    data = bm.simulate(78, ("tv",), seed=3).to_data()
    design = make_design(data, bm.ModelSpec(baseline="smooth"))
    m = smooth.n_basis(design.span_weeks)
    assert design.fourier.shape[1] == 4 and design.window_fourier.shape[1] == 4
    phi, omega, log_rms = smooth.design_basis(design, m)
    cols = np.column_stack([np.ones(len(phi)), design.time, design.fourier])
    coef, *_ = np.linalg.lstsq(cols, phi, rcond=None)
    assert np.abs(cols @ coef).max() < 0.1 * np.abs(phi).max()  # at weekly points: ~none
    raw, *_ = smooth.weekly_basis(design.time, m, design.span_weeks)
    coef_raw, *_ = np.linalg.lstsq(cols, raw, rcond=None)
    assert np.abs(cols @ coef_raw).max() > 0.3 * np.abs(raw).max()  # without: much is seasonal
    rng = np.random.default_rng(4)
    draws = {
        smooth.AMPLITUDE: rng.uniform(0.03, 0.1, 3),
        smooth.LENGTHSCALE: rng.uniform(15, 50, 3),
        smooth.Z: rng.normal(size=(3, m)),
    }
    f, _ = smooth.SmoothBaseline().forward(draws, design, None)
    amp, ell, z = pt.dscalar(), pt.dscalar(), pt.dvector()
    fn = pytensor.function([amp, ell, z], smooth.smooth_pt(amp, ell, z, phi, omega, log_rms))
    for s in range(3):
        args = [draws[k][s] for k in (smooth.AMPLITUDE, smooth.LENGTHSCALE, smooth.Z)]
        np.testing.assert_allclose(fn(*args), f[s], rtol=1e-10, atol=1e-12)
