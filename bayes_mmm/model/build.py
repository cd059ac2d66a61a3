"""build_model(data, spec) -> pm.Model: the components added one after another.

Media (:mod:`.components.media`: the chosen adstock and saturation, parametrised by ROI), the
level (:mod:`.components.baseline`, sampled as the mean level), trend, seasonality and
controls, then the likelihood. One graph for any number of geos (:mod:`.geo`: units and
design): national data are one geo, whose variables carry no geo axis; with geos, ROI per
geo x channel, trend and seasonality are partially pooled towards national values
(non-centred, deviations summing to zero over geos), level and noise are per geo,
adstock/saturation shapes and control coefficients shared. Each component owns its priors'
defaults and the sampler's parametrisation of its parameters; this module only wires them
together.

Every number that depends on the data (prior parameters such as the data-derived ROI prior,
the outcome scale, the number of dates) enters the graph as ``pm.Data`` or through a shape,
never as a constant: models of the same structure then compile to the same code, so the
compiled logp of one fit is reused by the next (see ``bayes_mmm.inference._compile``).
"""

from __future__ import annotations

import numpy as np

from bayes_mmm._lazy import lazy_module
from bayes_mmm.data.dataset import MMMData
from bayes_mmm.data.validate import DataValidationError
from bayes_mmm.model import dims as D
from bayes_mmm.model.geo import GEO_PRIORS, GeoDesign, make_geo_design
from bayes_mmm.model.priors import Prior
from bayes_mmm.model.spec import ModelSpec

pm = lazy_module("pymc")  # check_rows and resolve_priors check input without PyMC


def check_rows(data: MMMData, spec: ModelSpec) -> None:
    """Raise DataValidationError when the data cannot inform this model: too few rows, or
    shapes varying by geo asked of data without geos (every problem at once)."""
    args = (data.n_channels, len(data.control_names), data.span_days, data.period_days)
    need, problems = spec.required_rows(*args), []
    if data.n_dates < need:
        problems.append(
            f"too few rows: {data.n_dates} given, this model needs at least {need} "
            f"({spec.n_parameters(*args)} parameters + 10); "
            "use fewer channels, controls or seasonality terms"
        )
    if spec.geo_shapes != "shared" and data.n_geos == 1:
        problems.append(
            f"geo_shapes='{spec.geo_shapes}' (--geo-shapes) needs data by geo (--geo COLUMN): "
            "one national series has no geos for the shapes to vary across"
        )
    if spec.geo_noise == "shared" and data.n_geos == 1:
        problems.append(
            "geo_noise='shared' (--geo-noise) needs data by geo (--geo COLUMN): with one "
            "series a shock common to all geos cannot be told from its own noise"
        )
    if problems:
        raise DataValidationError(problems)


def resolve_priors(data: MMMData, spec: ModelSpec) -> dict[str, Prior]:
    """Concrete priors; with geos, also those of the hierarchy (:mod:`.geo`)."""
    target_sum, spend_sums = float(data.target.sum()), data.spend.sum(axis=0)
    priors = spec.resolve_priors(data.channels, target_sum, spend_sums, data.organic)
    geo_defaults = {**GEO_PRIORS, **spec.geo_shape_priors}
    if data.n_geos > 1:
        priors = {**geo_defaults, **priors}  # spec.priors (in priors) override the defaults
    else:
        priors = {k: v for k, v in priors.items() if k not in geo_defaults}
    return priors


def model_coords(data: MMMData, design: GeoDesign, spec: ModelSpec) -> dict[str, list]:
    return {
        **({} if design.national else {D.GEO: list(data.geos)}),
        D.DATE: list(data.dates),
        D.CHANNEL: list(data.channels),
        D.CONTROL: list(data.control_names),
        D.FOURIER: design.fourier_names,
        D.LAG: list(range(spec.n_lags)),
        **({D.LIFT_TEST: design.lift.labels} if design.lift is not None else {}),
        **({D.WINDOW_TEST: design.window.labels} if design.window is not None else {}),
    }


def prior_data_name(name: str, param: str) -> str:
    """Name of the ``pm.Data`` holding parameter ``param`` of the prior of ``name``."""
    return f"{name}_prior_{param}"


class Context:
    """What components need while adding themselves to the model in context: the priors,
    with every prior parameter as ``pm.Data`` (values are inputs of the graph, not constants)."""

    def __init__(self, priors: dict[str, Prior]):
        self.priors = priors

    def _params(self, name: str) -> dict:
        return {
            k: pm.Data(prior_data_name(name, k), np.asarray(v, dtype="float64"))
            for k, v in self.priors[name].params.items()
        }

    def add_prior(self, name: str, dims: str | None = None):
        """Random variable ``name`` with its prior, dims from ``dims.PARAM_DIMS``."""
        dims = dims or D.PARAM_DIMS.get(name)
        return getattr(pm, self.priors[name].dist)(name, **self._params(name), dims=dims)

    def prior_dist(self, name: str):
        """The prior of ``name`` as an unnamed distribution (for potentials)."""
        return getattr(pm, self.priors[name].dist).dist(**self._params(name))


def model_and_mean(data: MMMData, spec: ModelSpec, priors: dict[str, Prior]):
    """``(model, mu)``: the PyMC model and its mean ``(geo, date)`` in scaled units."""
    from bayes_mmm.model.components.baseline import add_baseline, add_level
    from bayes_mmm.model.components.likelihood import add_likelihood
    from bayes_mmm.model.components.media import add_media

    design = make_geo_design(data, spec)
    ctx = Context(priors)
    with pm.Model(coords=model_coords(data, design, spec)) as model:
        media, media_mean = add_media(ctx, design, spec)
        level = add_level(ctx, media_mean, design)
        mu = add_baseline(level, ctx, design, spec) + media.sum(axis=2)
        add_likelihood(ctx, mu, design, spec)
    return model, mu


def build_model(
    data: MMMData, spec: ModelSpec | None = None, priors: dict[str, Prior] | None = None
) -> pm.Model:
    """The PyMC model for ``data`` (all inputs are ``pm.Data``, in scaled units; national
    data or geos, see the module docstring).

    No per-date deterministics are added: contributions are computed after sampling
    (``bayes_mmm.model.forward``), which keeps the trace small and sampling fast.
    """

    spec = spec or ModelSpec()
    check_rows(data, spec)
    priors = priors or resolve_priors(data, spec)
    return model_and_mean(data, spec, priors)[0]
