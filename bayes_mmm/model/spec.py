"""ModelSpec: the frozen description of a model (structure + priors), separate from PyMC.

Units of the priors (see docs/defaults.md for the reasons behind each default):

- ``roi``: outcome per unit of spend over the data window (the user's units). When not set,
  it is LogNormal centred on the ROI at which media would explain ``roi_media_share`` of
  the outcome, with every channel equally efficient.
- adstock and saturation parameters: defined, with their default priors and units, by the
  chosen components (``bayes_mmm/model/components/``): e.g. ``decay`` (geometric adstock,
  in (0, 1)), ``half_saturation`` and ``slope`` (Hill; spend in units of the channel's
  on-week mean spend), ``lam`` (logistic), ``peak`` (delayed adstock, periods).
- ``intercept``, ``trend``, ``seasonality``, ``control_coef``, ``sigma``: in units of the mean
  outcome (1.0 = the average week). ``trend`` is the change over the whole data window;
  ``control_coef`` is per standard deviation of the control.
- ``baseline="smooth"`` adds a smooth time-varying baseline (``components/smooth.py``) to the
  level and trend: ``smooth_amplitude`` (units of the mean outcome) and ``smooth_lengthscale``
  (weeks).
- ``geo_shapes`` (geo data): ``"shared"`` (default) shares each channel's adstock and
  saturation shape across geos; ``"pooled"`` lets every shape parameter vary by geo,
  partially pooled around the national value (``components/geo_shapes.py``; the spreads
  ``<parameter>_geo_sd`` have configurable priors). National data: one geo, no effect.
- ``geo_noise`` (geo data): ``"independent"`` (default) noise per geo and week;
  ``"shared"`` adds a weekly shock common to all geos (``sigma_shared``, a share of each
  geo's mean outcome; ``components/likelihood.py``), so that national intervals, sums over
  geos, widen when geos move together. Normal likelihood only; needs 2+ geos.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components import geo_shapes as gs
from bayes_mmm.model.components import smooth
from bayes_mmm.model.priors import Prior, check_support, stack_channel_priors

# priors of the baseline and noise (those of media components live with each component)
DEFAULT_PRIORS: dict[str, Prior] = {
    D.INTERCEPT: Prior("Normal", mu=0.5, sigma=0.5),
    D.TREND: Prior("Normal", mu=0.0, sigma=0.2),
    D.SEASONALITY: Prior("Normal", mu=0.0, sigma=0.2),
    D.CONTROL_COEF: Prior("Normal", mu=0.0, sigma=0.5),
    D.SIGMA: Prior("HalfNormal", sigma=0.2),
    D.NU: Prior("Gamma", alpha=2.0, beta=0.1),
}
# The shared weekly shock, a share of each geo's mean outcome (half the scale of sigma's
# prior), and with it each geo's own noise away from zero: with a HalfNormal, one chain in
# 16 fits (benchmarks/results/geo_noise.md) sank into the spike where one geo's own noise is
# 0 and the shock is that geo's residual (higher density, step size 2e-14, r_hat 1.6).
SHARED_NOISE_PRIORS = {
    D.SIGMA_SHARED: Prior("HalfNormal", sigma=0.1),
    D.SIGMA: Prior("Gamma", alpha=2.0, beta=20.0),  # mean 0.1, mode 0.05; zero-avoiding
}
ROI_PRIOR_SIGMA = 0.85

SUPPORT = {D.ROI: (0.0, None), D.SIGMA: (0.0, None), D.NU: (0.0, None)}
SUPPORT[D.SIGMA_SHARED] = (0.0, None)
GEO_NOISE = ("independent", "shared")  # the noise across geos in a week (components/likelihood)

YEAR_DAYS = 365.25
BASELINES = ("linear", smooth.NAME)  # level + linear trend, or + a smooth time-varying term
# the JSON type of each spec field (checked before any work: "l_max": "8" is refused)
JSON_TYPES = {
    "l_max": ((int,), "a whole number"),
    "adstock": ((str, bool), "an adstock name (or true/false)"),
    "trend": ((bool,), "true or false"),
    "baseline": ((str,), "'linear' or 'smooth'"),
    "yearly_seasonality": ((int, type(None)), "a whole number or null"),
    "weekly_seasonality": ((int, type(None)), "a whole number or null"),
    "likelihood": ((str,), "a string"),
    "saturation": ((str,), "a string"),
    "roi_media_share": ((int, float), "a number"),
    "roi_prior_sigma": ((int, float), "a number"),
    "priors": ((dict,), "an object"),
    "channel_priors": ((dict,), "an object"),
    "categorical": ((list, tuple), "a list of column names"),
    "media_exposure": ((dict,), "an object {spend column: exposure column}"),
    "organic": ((list, tuple), "a list of column names"),
    "revenue_per_kpi": ((int, float, str, type(None)), "a number, a column name or null"),
    "holidays": ((str, type(None)), 'a country code (e.g. "DE") or null'),
    "events": ((str, type(None)), "the path of an events CSV or null"),
    "geo_shapes": ((str,), "'shared' or 'pooled'"),
    "geo_noise": ((str,), "'independent' or 'shared'"),
}
# data-input fields (read by data.dataset.from_frame); written to JSON only when set
INPUT_FIELDS = ("media_exposure", "organic", "revenue_per_kpi", "holidays", "events")


def _jsonable(value):
    if isinstance(value, Mapping):
        return dict(value)
    return list(value) if isinstance(value, tuple) else value


def _json_type_ok(value, types: tuple) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False  # true is not a number here
    return isinstance(value, types)


@dataclass(frozen=True)
class ModelSpec:
    """Model structure and prior overrides. All fields have defaults; see the module docstring.

    ``priors`` overrides the default prior of a parameter for every channel;
    ``channel_priors`` overrides it per channel, e.g. ``{"tv": {"decay": Prior("Beta", ...)}}``.
    """

    l_max: int = 8
    adstock: str = "geometric"  # a name in components.ADSTOCKS; True/False: geometric/none
    trend: bool = True
    yearly_seasonality: int | None = None  # Fourier order; None: 2 when data span >= 1 year
    weekly_seasonality: int | None = None  # day-of-week Fourier order; None: 2 for daily data
    likelihood: Literal["normal", "studentt"] = "normal"
    saturation: str = "hill"  # a name in components.SATURATIONS
    roi_media_share: float = 0.3
    roi_prior_sigma: float = ROI_PRIOR_SIGMA
    priors: Mapping[str, Prior] = field(default_factory=dict)
    channel_priors: Mapping[str, Mapping[str, Prior]] = field(default_factory=dict)
    categorical: tuple[str, ...] = ()  # controls one-hot encoded (bayes_mmm.data.categorical)
    # how media and calendar inputs are read (bayes_mmm.data.inputs, bayes_mmm.data.calendar)
    media_exposure: Mapping[str, str] = field(default_factory=dict)
    organic: tuple[str, ...] = ()
    revenue_per_kpi: float | str | None = None
    holidays: str | None = None
    events: str | None = None
    baseline: str = "linear"  # "smooth": add a time-varying baseline (components/smooth.py)
    geo_shapes: str = gs.SHARED  # "pooled": shapes vary by geo (components/geo_shapes)
    geo_noise: str = "independent"  # "shared": + a weekly shock common to all geos

    def __post_init__(self):
        if isinstance(self.adstock, bool):  # spec files and code of earlier versions
            object.__setattr__(self, "adstock", "geometric" if self.adstock else "none")
        object.__setattr__(self, "categorical", tuple(self.categorical))
        object.__setattr__(self, "organic", tuple(self.organic))
        if self.l_max < 1:
            raise ValueError(f"l_max must be at least 1, got {self.l_max}")
        if self.likelihood not in ("normal", "studentt"):
            raise ValueError(f"likelihood must be 'normal' or 'studentt', got {self.likelihood!r}")
        components.adstock(self.adstock), components.saturation(self.saturation)
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline must be one of {list(BASELINES)}, got {self.baseline!r}")
        if self.geo_shapes not in gs.GEO_SHAPES:
            raise ValueError(
                f"geo_shapes must be one of {list(gs.GEO_SHAPES)}, got {self.geo_shapes!r}"
            )
        if self.geo_noise not in GEO_NOISE:
            raise ValueError(f"geo_noise must be one of {list(GEO_NOISE)}, got {self.geo_noise!r}")
        if self.geo_noise == "shared" and self.likelihood != "normal":
            raise ValueError(
                f"geo_noise='shared' (--geo-noise) needs likelihood='normal', "
                f"got {self.likelihood!r}"
            )
        if not 0 < self.roi_media_share < 1:
            raise ValueError(f"roi_media_share must be in (0, 1), got {self.roi_media_share}")
        if not self.roi_prior_sigma > 0:
            raise ValueError(f"roi_prior_sigma must be positive, got {self.roi_prior_sigma}")
        self._check_priors()

    def _check_priors(self) -> None:
        known, per_channel = self.parameter_names(), self.channel_params
        what = f"adstock={self.adstock!r}, saturation={self.saturation!r}"
        for name, p in self.priors.items():
            if name not in known:
                raise ValueError(
                    f"unknown parameter '{name}' in priors: the model ({what}) has {sorted(known)}"
                )
            if not isinstance(p, Prior):
                raise TypeError(f"prior for '{name}' must be a Prior, got {type(p).__name__}")
        for ch, ps in self.channel_priors.items():
            for name in ps:
                if name not in per_channel:
                    raise ValueError(
                        f"per-channel prior '{name}' for '{ch}' is not a channel parameter of "
                        f"the model ({what}); choose from {list(per_channel)}"
                    )

    # ---- components ------------------------------------------------------------------
    @property
    def adstock_component(self) -> components.Adstock:
        return components.adstock(self.adstock)

    @property
    def saturation_component(self) -> components.Saturation:
        return components.saturation(self.saturation)

    @property
    def media_params(self) -> tuple[components.Param, ...]:
        """Parameters of the adstock, then the saturation."""
        return self.adstock_component.params + self.saturation_component.params

    @property
    def channel_params(self) -> tuple[str, ...]:
        """Names of the per-channel parameters: ``roi``, then the media components'."""
        return (D.ROI, *(p.name for p in self.media_params))

    @property
    def n_lags(self) -> int:
        """Lags of the adstock (``l_max``, or 1 without adstock)."""
        return self.adstock_component.n_lags(self.l_max)

    @property
    def carryover_weeks(self) -> int:
        """Periods after the last spend that it still reaches: ``n_lags - 1``."""
        return self.n_lags - 1

    @property
    def baseline_priors(self) -> dict[str, Prior]:
        """Default priors of the optional baseline terms in use."""
        return dict(smooth.PRIORS) if self.baseline == smooth.NAME else {}

    @property
    def geo_shape_priors(self) -> dict[str, Prior]:
        """Default priors of the spreads of per-geo shapes (``geo_shapes="pooled"``)."""
        if self.geo_shapes != gs.POOLED:
            return {}
        return gs.default_priors(self.media_params)

    @property
    def noise_priors(self) -> dict[str, Prior]:
        """Default priors of the shared weekly shock's scale and of each geo's own noise
        (``geo_noise="shared"``)."""
        return dict(SHARED_NOISE_PRIORS) if self.geo_noise == "shared" else {}

    def parameter_names(self) -> set[str]:
        return {*self.channel_params, *DEFAULT_PRIORS, *self.baseline_priors, *D.GEO_PRIOR_NAMES,
                *self.geo_shape_priors, *self.noise_priors}  # fmt: skip

    def with_components(self, adstock: str | None = None, saturation: str | None = None):
        """The same spec with other media components, without the priors that do not apply."""
        other = replace(self, priors={}, channel_priors={}, adstock=adstock or self.adstock)
        other = replace(other, saturation=saturation or self.saturation)
        known, per_channel = other.parameter_names(), other.channel_params
        priors = {k: v for k, v in self.priors.items() if k in known}
        channel_priors = {
            ch: {k: v for k, v in ps.items() if k in per_channel}
            for ch, ps in self.channel_priors.items()
        }
        return replace(other, priors=priors, channel_priors=channel_priors)

    # ---- structure -------------------------------------------------------------------
    def fourier_orders(self, span_days: float | None, period_days: int) -> tuple[int, int]:
        """(yearly, weekly) Fourier orders for data of this span and period."""
        yearly = self.yearly_seasonality
        if yearly is None:
            yearly = 2 if span_days is not None and span_days >= 364 else 0
        weekly = self.weekly_seasonality
        if weekly is None:
            weekly = 2 if period_days == 1 else 0
        return int(yearly), int(weekly)

    def n_parameters(
        self, n_channels: int, n_controls: int, span_days: float | None, period_days: int = 7
    ) -> int:
        yearly, weekly = self.fourier_orders(span_days, period_days)
        per_channel = len(self.channel_params)
        extra = 1 + int(self.trend) + 1 + int(self.likelihood == "studentt")
        if self.baseline == smooth.NAME:
            extra += 2 + smooth.n_basis((span_days or 0.0) / 7.0)
        return per_channel * n_channels + n_controls + 2 * (yearly + weekly) + extra

    def required_rows(
        self, n_channels: int, n_controls: int, span_days: float | None, period_days: int = 7
    ) -> int:
        """Fewest rows the model accepts: its parameter count plus 10, and at least 2*l_max."""
        n = self.n_parameters(n_channels, n_controls, span_days, period_days)
        return max(2 * self.l_max, n + 10)

    # ---- priors ----------------------------------------------------------------------
    def resolve_priors(
        self,
        channels: tuple[str, ...],
        target_sum: float,
        spend_sums: np.ndarray,
        organic: tuple[str, ...] = (),
    ) -> dict[str, Prior]:
        """Concrete priors for every parameter, per-channel parameters as arrays.

        ``organic`` channels (input: exposure without spend, ``spend_sums`` their exposure)
        get a ``roi`` prior in outcome per unit of exposure centred on an equal share
        (``roi_media_share / number of channels``) of the outcome each."""
        unknown = set(self.channel_priors) - set(channels)
        if unknown:
            raise ValueError(
                f"channel_priors name channels not in the data: {sorted(unknown)}; "
                f"channels are {list(channels)}"
            )
        base = {D.ROI: self._roi_prior(channels, target_sum, spend_sums, organic)}
        base.update({p.name: p.prior for p in self.media_params})
        base.update(DEFAULT_PRIORS)
        base.update(self.baseline_priors)
        base.update(self.noise_priors)
        base.update(self.priors)
        support = {**SUPPORT, **smooth.SUPPORT, **{p.name: p.support for p in self.media_params}}
        support.update(dict.fromkeys(self.geo_shape_priors, gs.SD_SUPPORT))
        out = {}
        for name, prior in base.items():
            if name in self.channel_params:
                overrides = {ch: ps[name] for ch, ps in self.channel_priors.items() if name in ps}
                prior = stack_channel_priors(prior, overrides, channels, name)
                if prior.n_values() not in (1, len(channels)):
                    raise ValueError(
                        f"prior for '{name}' has {prior.n_values()} values; "
                        f"give 1 or one per channel ({len(channels)})"
                    )
            if name in support:
                check_support(prior, name, *support[name])
            out[name] = prior
        return out

    def _roi_prior(self, channels, target_sum, spend_sums, organic) -> Prior:
        spend_sums = np.asarray(spend_sums, dtype=float)
        is_organic = np.array([c in organic for c in channels], dtype=bool)
        paid_total = float(np.sum(spend_sums[~is_organic])) if (~is_organic).any() else 1.0
        ref = self.roi_media_share * abs(target_sum) / paid_total
        if not is_organic.any():
            return Prior("LogNormal", mu=float(np.log(ref)), sigma=self.roi_prior_sigma)
        share = self.roi_media_share * abs(target_sum) / len(channels)
        mu = np.where(is_organic, np.log(share / np.maximum(spend_sums, 1e-300)), np.log(ref))
        return Prior("LogNormal", mu=[float(v) for v in mu], sigma=self.roi_prior_sigma)

    # ---- serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "l_max": self.l_max,
            "adstock": self.adstock,
            "trend": self.trend,
            "yearly_seasonality": self.yearly_seasonality,
            "weekly_seasonality": self.weekly_seasonality,
            "likelihood": self.likelihood,
            "saturation": self.saturation,
            "roi_media_share": self.roi_media_share,
            "roi_prior_sigma": self.roi_prior_sigma,
            "priors": {k: p.to_dict() for k, p in self.priors.items()},
            "channel_priors": {
                ch: {k: p.to_dict() for k, p in ps.items()}
                for ch, ps in self.channel_priors.items()
            },
            "categorical": list(self.categorical),
            **{k: _jsonable(getattr(self, k)) for k in INPUT_FIELDS if getattr(self, k)},
            "baseline": self.baseline,
            # written only when set: fits and spec files stay as they were by default
            **({"geo_shapes": self.geo_shapes} if self.geo_shapes != gs.SHARED else {}),
            **({"geo_noise": self.geo_noise} if self.geo_noise != "independent" else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: Mapping) -> ModelSpec:
        d = dict(d)
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown model spec fields: {sorted(unknown)}")
        wrong = [
            f"'{k}' must be {JSON_TYPES[k][1]}, got {v!r}"
            for k, v in d.items()
            if not _json_type_ok(v, JSON_TYPES[k][0])
        ]
        if wrong:
            raise ValueError("model spec: " + "; ".join(wrong))
        if isinstance(d.get("adstock"), bool):
            d["adstock"] = "geometric" if d["adstock"] else "none"
        d["priors"] = {k: Prior.from_dict(v) for k, v in d.get("priors", {}).items()}
        d["channel_priors"] = {
            ch: {k: Prior.from_dict(v) for k, v in ps.items()}
            for ch, ps in d.get("channel_priors", {}).items()
        }
        return cls(**d)

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        return cls.from_dict(json.loads(text))

    def replace(self, **changes) -> ModelSpec:
        return replace(self, **changes)
