"""Prior and ModelSpec: construction, parsing, serialisation, overrides and their use in the
PyMC model. No default prior values are asserted here (they are a modeling choice)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pymc as pm
import pytensor
import pytest
from scipy import stats

import bayes_mmm as bm
from bayes_mmm.model.build import resolve_priors
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

CHANNELS = ("tv", "search")
SPEND_SUMS = np.array([1000.0, 500.0])


# ---- Prior -----------------------------------------------------------------------------------
def test_prior_construction_and_plain_parameters():
    p = Prior("Beta", alpha=np.float64(2.0), beta=np.array([1.0, 3.0]))
    assert p.dist == "Beta"
    assert p.params == {"alpha": 2.0, "beta": [1.0, 3.0]}
    assert type(p.params["alpha"]) is float  # numpy scalars become plain numbers
    assert p.n_values() == 2
    assert Prior("Normal", mu=0, sigma=1).n_values() == 1
    assert repr(p) == 'Prior("Beta", alpha=2.0, beta=[1.0, 3.0])'
    zero_d = Prior("Normal", mu=np.array(0.5), sigma=np.array(1))
    assert zero_d.params == {"mu": 0.5, "sigma": 1} and zero_d.n_values() == 1


def test_prior_equality_hash_and_replace():
    a = Prior("LogNormal", mu=0.0, sigma=1.0)
    assert a == Prior("LogNormal", mu=0.0, sigma=1.0)
    assert hash(a) == hash(Prior("LogNormal", mu=0.0, sigma=1.0))
    assert a != Prior("LogNormal", mu=0.0, sigma=2.0)
    assert a != Prior("Normal", mu=0.0, sigma=1.0)
    b = a.replace(sigma=0.5)
    assert b == Prior("LogNormal", mu=0.0, sigma=0.5)
    assert a.params["sigma"] == 1.0


def test_prior_is_immutable():
    p = Prior("HalfNormal", sigma=1.0)
    with pytest.raises(AttributeError):
        p.dist = "Normal"


def test_prior_dict_round_trip():
    p = Prior("Gamma", alpha=[2.0, 3.0], beta=0.5)
    d = p.to_dict()
    assert d == {"dist": "Gamma", "params": {"alpha": [2.0, 3.0], "beta": 0.5}}
    assert Prior.from_dict(json.loads(json.dumps(d))) == p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LogNormal(mu=0, sigma=1)", Prior("LogNormal", mu=0, sigma=1)),
        ("  Beta(alpha=3, beta=3) ", Prior("Beta", alpha=3, beta=3)),
        ("Beta(alpha=[1, 2.5], beta=2)", Prior("Beta", alpha=[1.0, 2.5], beta=2)),
        ("HalfNormal(sigma=0.2)", Prior("HalfNormal", sigma=0.2)),
        ("Normal(mu=-1.5, sigma=1e-1)", Prior("Normal", mu=-1.5, sigma=0.1)),
    ],
)
def test_prior_parse(text, expected):
    assert Prior.parse(text) == expected


@pytest.mark.parametrize("dist", ["Nope", "Poisson", "Model", "logp", "beta"])
def test_bad_distribution_name(dist):
    with pytest.raises(ValueError, match="not a continuous PyMC distribution"):
        Prior(dist, mu=1.0)


def test_misspelled_parameter_is_rejected():
    # PyMC's .dist() would swallow the typo and use its own default sigma
    with pytest.raises(ValueError, match=r"LogNormal has no parameter\(s\) \['sgima'\]"):
        Prior("LogNormal", mu=0.0, sgima=1.0)
    with pytest.raises(ValueError, match="sgima"):
        Prior.parse("LogNormal(mu=0, sgima=1)")


@pytest.mark.parametrize(
    ("dist", "params", "message"),
    [
        ("LogNormal", {"mu": 0.0, "sigma": -1.0}, "sigma=-1.0 must be positive"),
        ("Beta", {"alpha": 0.0, "beta": 1.0}, "alpha=0.0 must be positive"),
        ("Gamma", {"alpha": [2.0, -1.0], "beta": 1.0}, "alpha=.* must be positive"),
        ("Normal", {"mu": float("nan"), "sigma": 1.0}, "mu=nan must be finite"),
        ("Uniform", {"lower": 1.0, "upper": 0.5}, "lower=1.0 must be below upper=0.5"),
    ],
)
def test_invalid_parameter_values_are_refused_at_construction(dist, params, message):
    with pytest.raises(ValueError, match=message):
        Prior(dist, **params)


def test_invalid_parameter_value_on_the_command_line_is_a_clear_error():
    with pytest.raises(ValueError, match="sigma=-1 must be positive"):
        Prior.parse("HalfNormal(sigma=-1)")


@pytest.mark.parametrize("value", ["'a'", "True", "None", "{1: 2}"])
def test_non_numeric_parameter(value):
    with pytest.raises(TypeError, match="numbers"):
        Prior("Normal", mu=eval(value), sigma=1.0)
    with pytest.raises(ValueError, match="cannot read prior"):
        Prior.parse(f"Normal(mu={value}, sigma=1)")


@pytest.mark.parametrize(
    "text",
    [
        "LogNormal(0, 1)",
        "LogNormal mu=0",
        "LogNormal(mu=0",
        "pm.LogNormal(mu=0, sigma=1)",
        "LogNormal(mu=foo, sigma=1)",
        "LogNormal(mu=1+x)",
        "0.5",
        "",
    ],
)
def test_bad_parse_text(text):
    with pytest.raises(ValueError, match="cannot read prior"):
        Prior.parse(text)


def test_prior_sample_and_create():
    p = Prior("Beta", alpha=[2.0, 50.0], beta=[2.0, 450.0])
    draws = p.sample((4000, 2), seed=3)
    assert draws.shape == (4000, 2)
    assert draws[:, 1].mean() == pytest.approx(0.1, abs=0.005)
    with pm.Model(coords={"channel": list(CHANNELS)}) as model:
        p.create("decay", dims="channel")
    assert model["decay"].owner.op.name == "beta"
    assert model.named_vars_to_dims["decay"] == ("channel",)


# ---- ModelSpec -------------------------------------------------------------------------------
def full_spec() -> ModelSpec:
    return ModelSpec(
        l_max=6,
        trend=False,
        yearly_seasonality=3,
        likelihood="studentt",
        roi_media_share=0.2,
        priors={
            "decay": Prior("Beta", alpha=3.0, beta=3.0),
            "sigma": Prior("HalfNormal", sigma=0.3),
        },
        channel_priors={"tv": {"roi": Prior("LogNormal", mu=0.0, sigma=0.5)}},
    )


def test_spec_json_round_trip():
    spec = full_spec()
    text = spec.to_json()
    again = ModelSpec.from_json(text)
    assert again == spec
    assert again.priors["decay"] == Prior("Beta", alpha=3.0, beta=3.0)
    assert again.channel_priors["tv"]["roi"] == Prior("LogNormal", mu=0.0, sigma=0.5)
    assert json.loads(again.to_json()) == json.loads(text)


def test_default_spec_round_trip():
    assert ModelSpec.from_dict(ModelSpec().to_dict()) == ModelSpec()


def test_spec_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match=r"unknown model spec fields: \['lmax'\]"):
        ModelSpec.from_dict({"lmax": 4})


def test_unknown_parameter_name():
    with pytest.raises(ValueError, match="unknown parameter 'decya'"):
        ModelSpec(priors={"decya": Prior("Beta", alpha=2.0, beta=2.0)})


def test_channel_prior_on_a_global_parameter():
    with pytest.raises(ValueError, match="'sigma' for 'tv' is not a channel parameter"):
        ModelSpec(channel_priors={"tv": {"sigma": Prior("HalfNormal", sigma=1.0)}})


def test_prior_must_be_a_prior():
    with pytest.raises(TypeError, match="must be a Prior"):
        ModelSpec(priors={"decay": {"dist": "Beta"}})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"l_max": 0},
        {"likelihood": "poisson"},
        {"saturation": "weibull_cdf"},
        {"adstock": "binomial"},
        {"roi_media_share": 1.0},
        {"roi_media_share": 0},
    ],
)
def test_bad_structure(kwargs):
    with pytest.raises(ValueError):
        ModelSpec(**kwargs)


def test_spec_replace_keeps_the_rest():
    spec = full_spec()
    changed = spec.replace(l_max=3)
    assert changed.l_max == 3
    assert changed.priors == spec.priors and changed.likelihood == spec.likelihood


def test_required_rows_grow_with_channels_and_controls():
    spec = ModelSpec()
    rows = [spec.required_rows(n, 0, None) for n in range(1, 6)]
    assert all(b > a for a, b in itertools.pairwise(rows)), rows
    assert spec.required_rows(2, 3, None) > spec.required_rows(2, 0, None)
    # a year of data adds seasonality terms; daily data add day-of-week terms
    assert spec.required_rows(2, 0, 400) > spec.required_rows(2, 0, 100)
    assert spec.required_rows(2, 0, 100, 1) > spec.required_rows(2, 0, 100, 7)
    assert ModelSpec(l_max=40).required_rows(1, 0, None) == 80


def test_michaelis_menten_fixes_the_slope():
    mm = ModelSpec(saturation="michaelis_menten")
    assert mm.n_parameters(3, 0, None) == ModelSpec().n_parameters(3, 0, None) - 3
    assert "slope" not in mm.resolve_priors(CHANNELS, 100.0, SPEND_SUMS)
    assert ModelSpec.from_json(mm.to_json()) == mm
    with pytest.raises(ValueError, match="slope"):
        ModelSpec(saturation="michaelis_menten", priors={"slope": Prior("Gamma", alpha=2, beta=2)})


def test_michaelis_menten_model_has_no_free_slope(make_frame, frame_columns):
    data = bm.from_frame(make_frame(), **frame_columns)
    model = bm.build_model(data, ModelSpec(saturation="michaelis_menten"))
    assert "slope" not in model.named_vars  # fixed at 1: not a parameter
    assert "half_saturation" in model.named_vars


# ---- resolved priors -------------------------------------------------------------------------
def test_resolve_priors_gives_per_channel_arrays():
    spec = ModelSpec(
        priors={"decay": Prior("Beta", alpha=2.0, beta=2.0)},
        channel_priors={"search": {"decay": Prior("Beta", alpha=50.0, beta=450.0)}},
    )
    priors = spec.resolve_priors(CHANNELS, 10_000.0, SPEND_SUMS)
    assert set(priors) >= {"roi", "decay", "half_saturation", "slope", "intercept", "sigma"}
    assert priors["decay"] == Prior("Beta", alpha=[2.0, 50.0], beta=[2.0, 450.0])
    # parameters without channel overrides stay scalar
    assert ModelSpec(priors=spec.priors).resolve_priors(CHANNELS, 1e4, SPEND_SUMS)["decay"] == (
        Prior("Beta", alpha=2.0, beta=2.0)
    )


def test_global_override_replaces_default():
    spec = ModelSpec(priors={"slope": Prior("Gamma", alpha=3.0, beta=2.0)})
    assert spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)["slope"] == spec.priors["slope"]


def test_per_channel_override_fills_missing_parameters_from_global():
    spec = ModelSpec(
        priors={"roi": Prior("LogNormal", mu=0.5, sigma=1.0)},
        channel_priors={"tv": {"roi": Prior("LogNormal", mu=0.0, sigma=0.25)}},
    )
    roi = spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)["roi"]
    assert roi == Prior("LogNormal", mu=[0.0, 0.5], sigma=[0.25, 1.0])


def test_per_channel_override_with_another_family_is_a_clear_error():
    spec = ModelSpec(
        priors={"decay": Prior("Beta", alpha=2.0, beta=2.0)},
        channel_priors={"tv": {"decay": Prior("Uniform", lower=0.0, upper=1.0)}},
    )
    with pytest.raises(ValueError) as info:
        spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)
    msg = str(info.value)
    for word in ("'decay'", "'tv'", "Uniform", "Beta"):
        assert word in msg


def test_channel_prior_for_unknown_channel():
    spec = ModelSpec(channel_priors={"radio": {"decay": Prior("Beta", alpha=2.0, beta=2.0)}})
    with pytest.raises(ValueError, match=r"channels not in the data: \['radio'\]"):
        spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)


def test_prior_with_wrong_number_of_values():
    spec = ModelSpec(priors={"slope": Prior("LogNormal", mu=[0.0, 0.1, 0.2], sigma=0.5)})
    with pytest.raises(ValueError, match="'slope' has 3 values"):
        spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)


@pytest.mark.parametrize(
    ("name", "prior"),
    [
        ("decay", Prior("Normal", mu=0.5, sigma=0.3)),
        ("decay", Prior("Uniform", lower=0.0, upper=2.0)),
        ("roi", Prior("Normal", mu=1.0, sigma=1.0)),
        ("half_saturation", Prior("Normal", mu=1.0, sigma=1.0)),
        ("slope", Prior("StudentT", nu=3.0, mu=1.0, sigma=0.5)),
        ("sigma", Prior("Normal", mu=0.0, sigma=1.0)),
    ],
)
def test_prior_with_mass_outside_the_support(name, prior):
    spec = ModelSpec(priors={name: prior})
    with pytest.raises(ValueError, match=f"for '{name}' gives values outside"):
        spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)


def test_per_channel_prior_outside_the_support():
    spec = ModelSpec(
        priors={"decay": Prior("Uniform", lower=0.0, upper=1.0)},
        channel_priors={"tv": {"decay": Prior("Uniform", lower=0.5, upper=1.5)}},
    )
    with pytest.raises(ValueError, match="outside"):
        spec.resolve_priors(CHANNELS, 1e4, SPEND_SUMS)


# ---- the PyMC model uses them ----------------------------------------------------------------
def test_built_model_uses_per_channel_priors(make_frame, frame_columns):
    data = bm.from_frame(make_frame(), **frame_columns)
    assert data.channels == CHANNELS
    spec = ModelSpec(
        priors={"decay": Prior("Beta", alpha=2.0, beta=2.0)},
        channel_priors={"search": {"decay": Prior("Beta", alpha=50.0, beta=450.0)}},
    )
    priors = resolve_priors(data, spec)
    assert priors["decay"] == Prior("Beta", alpha=[2.0, 50.0], beta=[2.0, 450.0])
    model = bm.build_model(data, spec)
    assert model.named_vars_to_dims["decay"] == ("channel",)
    draws = pm.draw(model["decay"], draws=3000, random_seed=11)
    assert draws.shape == (3000, 2)
    tv, search = draws[:, 0], draws[:, 1]
    # the overridden channel follows Beta(50, 450); the other keeps Beta(2, 2)
    assert stats.kstest(search, stats.beta(50, 450).cdf).pvalue > 1e-3
    assert stats.kstest(tv, stats.beta(2, 2).cdf).pvalue > 1e-3
    assert search.mean() == pytest.approx(0.1, abs=0.003)
    assert tv.mean() == pytest.approx(0.5, abs=0.03)


def test_built_model_uses_global_override(make_frame, frame_columns):
    data = bm.from_frame(make_frame(), **frame_columns)
    spec = ModelSpec(priors={"decay": Prior("Beta", alpha=40.0, beta=10.0)})
    model = bm.build_model(data, spec)
    draws = pm.draw(model["decay"], draws=2000, random_seed=5)
    assert draws.shape == (2000, 2)
    for c in range(2):
        assert stats.kstest(draws[:, c], stats.beta(40, 10).cdf).pvalue > 1e-3


@pytest.mark.parametrize("slope", [0.6, 2.5])
def test_half_saturation_prior_survives_the_saturation_logit(make_frame, frame_columns, slope):
    """The model samples u = -slope * log(half_saturation) (flat) and applies the
    half-saturation prior by a change of variables: the density it puts on u, pushed back to
    the half-saturation, must be that prior, whatever the slope."""
    data = bm.from_frame(make_frame(), **frame_columns)
    spec = ModelSpec(priors={"half_saturation": Prior("Gamma", alpha=40.0, beta=20.0)})
    model = bm.build_model(data, spec)
    (potential,) = model.replace_rvs_by_values([model["half_saturation_prior"]])
    u_value = model.rvs_to_values[model["saturation_logit"]]
    log_slope = model.rvs_to_values[model["slope"]]  # log-transformed value of the slope
    f = pytensor.function([u_value, log_slope], potential, on_unused_input="ignore")
    ones = np.ones(len(CHANNELS))

    def mass(lo: float, hi: float) -> float:
        u = np.linspace(lo, hi, 4001)
        density = np.exp([f(ui * ones, np.log(slope) * ones) / len(CHANNELS) for ui in u])
        return float(np.trapezoid(density, u))

    assert mass(-15.0, 15.0) == pytest.approx(1.0, abs=1e-4)
    prior = stats.gamma(40, scale=1 / 20)
    for k in (1.6, 2.0, 2.5):  # P(half_saturation <= k) = P(u >= -slope * log k)
        assert mass(-slope * np.log(k), 15.0) == pytest.approx(prior.cdf(k), abs=1e-4)


def test_build_model_refuses_too_few_rows(make_frame, frame_columns):
    data = bm.from_frame(make_frame(), **frame_columns)
    with pytest.raises(bm.DataValidationError, match="too few rows: 60 given"):
        bm.build_model(data, ModelSpec(l_max=31))
