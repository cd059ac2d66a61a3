"""build_model(data, spec) -> pm.Model: a sequence of small functions, each adding one term.

Channel effects are parametrised by ROI: the contribution of channel c in week t is
``roi_c * total_spend_c * h_ct / sum_t h_ct`` with ``h`` the Hill-saturated adstocked spend.
The data pin down ROI (the total contribution) much better than the maximum effect of the
Hill curve, so this parametrisation removes the strong beta-versus-half-saturation ridge of
the classical ``beta * h`` form and makes ROI priors meaningful in the user's units.

The sampler sees the mean level of the outcome (``level``) instead of the intercept: media
enter as deviations from their window mean, and ``intercept = level - sum_c mean media_c``
carries the intercept prior through a potential (a shift, so the joint density is unchanged).
In the direct form every ROI trades off against the intercept along a narrow curved ridge
(divergences, ~40 leapfrog steps per draw); this form removes that ridge.

Likewise the sampler sees ``u = logit(h(1)) = -slope * log(half_saturation)``, the logit of the
Hill curve at the channel's on-week mean spend (the unit of scaled spend, see
``bayes_mmm.data.scaling``), instead of the half-saturation: the data inform the
curve's height where the channel spends much better than ``k`` itself, whose posterior bends
along ``slope * log k``. The half-saturation prior is kept exactly by a potential (change of
variables: ``log p_k(k) + log k - log slope``) and ``half_saturation`` is a deterministic, so
the priors, the posterior and every analysis are those of the Hill model. Measured on the
hardest calibration data sets (docs/defaults.md): with the sampler defaults (low-rank mass
matrix, target_accept 0.9) it is the combination with no divergences and r_hat <= 1.01.

Every number that depends on the data (prior parameters such as the data-derived ROI prior,
the outcome scale, the number of dates) enters the graph as ``pm.Data`` or through a shape,
never as a constant: models of the same structure then compile to the same code, so the
compiled logp of one fit is reused by the next (see ``bayes_mmm.inference._compile.fast``).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.scaling import Design, LiftDesign, Scales, make_design
from bayes_mmm.data.validate import DataValidationError
from bayes_mmm.model import dims as D
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec
from bayes_mmm.transforms import geometric_adstock_pt, hill_logit_pt


def check_rows(data: MMMData, spec: ModelSpec) -> None:
    """Raise DataValidationError when the data have too few rows for this model."""
    args = (data.n_channels, len(data.control_names), data.span_days, data.period_days)
    need = spec.required_rows(*args)
    if data.n_dates < need:
        raise DataValidationError(
            [
                f"too few rows: {data.n_dates} given, this model needs at least {need} "
                f"({spec.n_parameters(*args)} parameters + 10); "
                "use fewer channels, controls or seasonality terms"
            ]
        )


def resolve_priors(data: MMMData, spec: ModelSpec) -> dict[str, Prior]:
    return spec.resolve_priors(data.channels, float(data.target.sum()), data.spend.sum(axis=0))


def model_coords(data: MMMData, design: Design, spec: ModelSpec) -> dict[str, list]:
    return {
        D.DATE: list(data.dates),
        D.CHANNEL: list(data.channels),
        D.CONTROL: list(data.control_names),
        D.FOURIER: design.fourier_names,
        D.LAG: list(range(spec.l_max)),
        **({D.LIFT_TEST: design.lift.labels} if design.lift is not None else {}),
    }


def prior_data_name(name: str, param: str) -> str:
    """Name of the ``pm.Data`` holding parameter ``param`` of the prior of ``name``."""
    return f"{name}_prior_{param}"


def _prior_params(prior: Prior, name: str) -> dict:
    """The prior's parameters as ``pm.Data`` (values are inputs of the graph, not constants)."""
    return {
        k: pm.Data(prior_data_name(name, k), np.asarray(v, dtype="float64"))
        for k, v in prior.params.items()
    }


def add_prior(priors: dict[str, Prior], name: str, dims: str | None = None):
    """Random variable ``name`` with its prior (same distribution as ``Prior.create``)."""
    prior = priors[name]
    return getattr(pm, prior.dist)(name, **_prior_params(prior, name), dims=dims)


def add_media(design: Design, spec: ModelSpec, priors: dict[str, Prior], target_scale: float):
    """Channel contributions minus their window means ``(date, channel)``, and the window
    means ``(channel,)``, in scaled outcome units."""
    x_lagged = pm.Data("x_lagged", design.x_lagged, dims=(D.LAG, D.DATE, D.CHANNEL))
    spend_total = pm.Data("spend_total", design.spend_total, dims=D.CHANNEL)
    scale = pm.Data(D.Y_SCALE, np.asarray(target_scale, dtype="float64"))
    roi = add_prior(priors, D.ROI, dims=D.CHANNEL)
    if spec.adstock:
        decay = add_prior(priors, D.DECAY, dims=D.CHANNEL)
        adstocked = geometric_adstock_pt(x_lagged, decay, spec.l_max)
    else:
        adstocked = x_lagged[0]
    if spec.saturation == "hill":
        slope = add_prior(priors, D.SLOPE, dims=D.CHANNEL)
    else:  # Michaelis-Menten: the Hill curve with slope 1 (kept in the trace for the analysis)
        slope = pm.Deterministic(D.SLOPE, pt.ones_like(roi), dims=D.CHANNEL)
    logit_at_one = add_saturation(priors, slope)
    saturated = hill_logit_pt(adstocked, logit_at_one, slope)
    n_dates = pt.cast(saturated.shape[0], "float64")
    window_total = roi * spend_total / scale
    if design.lift is not None:
        add_lift_tests(design.lift, window_total / saturated.sum(axis=0), logit_at_one, slope)
    deviation = saturated / saturated.sum(axis=0, keepdims=True) - 1.0 / n_dates
    return deviation * window_total[None, :], window_total / n_dates


def add_lift_tests(lift: LiftDesign, beta, logit_at_one, slope):
    """Measured lifts as observations of the steady-state response curve: lift test ``i`` on
    channel ``c`` sees ``beta_c * (h_c(x1_i) - h_c(x0_i))`` (``beta``: weekly contribution at
    saturation, scaled outcome) with the test's standard error."""
    onehot = pm.Data("lift_channel", lift.onehot, dims=(D.LIFT_TEST, D.CHANNEL))
    x0 = pm.Data("lift_x0", lift.x0, dims=D.LIFT_TEST)
    x1 = pm.Data("lift_x1", lift.x1, dims=D.LIFT_TEST)
    u, s = pt.dot(onehot, logit_at_one), pt.dot(onehot, slope)
    response = hill_logit_pt(pt.stack([x0, x1]), u, s)
    mu = pt.dot(onehot, beta) * (response[1] - response[0])
    sigma = pm.Data("lift_sigma", lift.sigma, dims=D.LIFT_TEST)
    observed = pm.Data("lift_observed", lift.lift, dims=D.LIFT_TEST)
    pm.Normal(D.LIFT_OBS, mu=mu, sigma=sigma, observed=observed, dims=D.LIFT_TEST)


def add_saturation(priors: dict[str, Prior], slope):
    """``u = -slope * log(half_saturation)`` (flat), with the half-saturation prior applied
    through the change of variables; ``half_saturation`` is added as a deterministic."""
    u = pm.Flat(D.SAT_LOGIT, dims=D.CHANNEL)
    log_k = -u / slope
    half_sat = pm.Deterministic(D.HALF_SAT, pt.exp(log_k), dims=D.CHANNEL)
    prior = priors[D.HALF_SAT]
    dist = getattr(pm, prior.dist).dist(**_prior_params(prior, D.HALF_SAT))
    jacobian = log_k - pt.log(slope)  # log |d k / d u|
    pm.Potential("half_saturation_prior", (pm.logp(dist, half_sat) + jacobian).sum())
    return u


def add_level(priors: dict[str, Prior], media_mean):
    """Mean level (flat) with the intercept prior applied to ``level - sum(media_mean)``."""
    level = pm.Flat(D.LEVEL)
    intercept = pm.Deterministic(D.INTERCEPT, level - media_mean.sum())
    prior = priors[D.INTERCEPT]
    dist = getattr(pm, prior.dist).dist(**_prior_params(prior, D.INTERCEPT))
    pm.Potential("intercept_prior", pm.logp(dist, intercept))
    return level


def add_baseline(level, design: Design, spec: ModelSpec, priors: dict[str, Prior]):
    """Level, trend (centred on the window), seasonality and controls: ``(date,)``."""
    mu = level
    if spec.trend:
        time = pm.Data("time", design.time, dims=D.DATE)
        mu = mu + add_prior(priors, D.TREND) * (time - 0.5)
    if design.fourier.shape[1]:
        basis = pm.Data("fourier_basis", design.fourier, dims=(D.DATE, D.FOURIER))
        mu = mu + pt.dot(basis, add_prior(priors, D.SEASONALITY, dims=D.FOURIER))
    if design.controls.shape[1]:
        controls = pm.Data("controls_scaled", design.controls, dims=(D.DATE, D.CONTROL))
        mu = mu + pt.dot(controls, add_prior(priors, D.CONTROL_COEF, dims=D.CONTROL))
    return mu


def add_likelihood(mu, design: Design, spec: ModelSpec, priors: dict[str, Prior]):
    y = pm.Data("target_scaled", design.target, dims=D.DATE)
    sigma = add_prior(priors, D.SIGMA)
    if spec.likelihood == "studentt":
        nu = add_prior(priors, D.NU)
        return pm.StudentT(D.OBS, nu=nu, mu=mu, sigma=sigma, observed=y, dims=D.DATE)
    return pm.Normal(D.OBS, mu=mu, sigma=sigma, observed=y, dims=D.DATE)


def build_model(
    data: MMMData, spec: ModelSpec | None = None, priors: dict[str, Prior] | None = None
) -> pm.Model:
    """The PyMC model for ``data`` (all inputs are ``pm.Data``, in scaled units).

    No per-date deterministics are added: contributions are computed after sampling
    (``bayes_mmm.analysis``), which keeps the trace small and sampling fast.
    """
    spec = spec or ModelSpec()
    check_rows(data, spec)
    priors = priors or resolve_priors(data, spec)
    scales = Scales.from_data(data)
    design = make_design(data, spec, scales)
    with pm.Model(coords=model_coords(data, design, spec)) as model:
        media, media_mean = add_media(design, spec, priors, scales.target)
        level = add_level(priors, media_mean)
        mu = add_baseline(level, design, spec, priors) + media.sum(axis=1)
        add_likelihood(mu, design, spec, priors)
    return model
