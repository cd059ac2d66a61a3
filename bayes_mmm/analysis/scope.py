"""Which fits an analysis function serves: national fits (one series) or geo fits.

The public analysis functions that have a geo counterpart take ``geo=`` and hand a geo fit
to it (:mod:`bayes_mmm.analysis.geo`, :mod:`bayes_mmm.analysis.geo_curves`); the others are
national only and refuse a geo fit with :class:`GeoFitError`, naming what serves it, before
any array is computed (instead of failing inside the national forward pass)."""

from __future__ import annotations

from bayes_mmm.data.geo import NATIONAL

GEO_API = (
    "bm.analyse(fit) (a GeoAnalysis), bm.roi_table(fit, geo=...), bm.roi_draws(fit, geo=...), "
    "bm.mroi_draws(fit, geo=...), "
    "bm.contributions(fit, geo=...), bm.response_table(fit, geo=...) (without geo: national "
    "rows first, then every geo), bm.shares_table(fit), bm.fit_quality(fit), bm.ppc(fit), "
    "bm.holdout(data, weeks), the figures "
    "bm.plot_contributions, bm.plot_fit, bm.plot_ppc, bm.plot_roi and bm.plot_response_curves "
    "(national and per geo; bm.plot_geo_contributions(fit, geo=...) for one geo), "
    "bm.report(fit, path) "
    "and bm.budget.optimize(fit, ...) for a plan, bm.design_tests(fit) for which test to run next, "
    "and `bayes-mmm report model.nc --out DIR` for every file"
)


class GeoFitError(ValueError):
    """A national-only analysis was asked of a geo fit."""


def is_geo(fit) -> bool:
    """Whether ``fit`` was fitted on geo-level data (more than the one national series)."""
    return tuple(fit.data.geos) != (NATIONAL,)


def require_national(fit, what: str) -> None:
    """Raise :class:`GeoFitError` for a geo ``fit``: ``what`` serves national fits only."""
    if is_geo(fit):
        raise GeoFitError(
            f"{what} is for national fits; this fit has {fit.data.n_geos} geos. "
            f"For a geo fit use {GEO_API}."
        )


def check_geo_argument(fit, geo: str | None) -> None:
    """``geo=`` given for a national fit: only ``None`` or ``"national"`` make sense."""
    if geo not in (None, NATIONAL) and not is_geo(fit):
        raise ValueError(f"geo={geo!r}: this is a national fit (no geos); leave geo out")
