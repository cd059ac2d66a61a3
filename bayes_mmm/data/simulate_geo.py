"""Simulated geo-level data with known per-geo truth (``bm.simulate(..., n_geos=G)``).

The generative model is the geo model's (:mod:`bayes_mmm.model.build`): geos of different
sizes, spend proportional to size with each geo's own week-to-week moves (partly shared
nationally), one adstock and saturation shape per channel shared by all geos (in units of
spend per unit of size; with ``shape_geo_sd > 0`` each shape parameter varies by geo around
it on its unconstrained scale, as ``ModelSpec(geo_shapes="pooled")`` models), per-geo ROI
``roi[c] * exp(roi_geo_sd * z[g, c])`` around the national one, per-geo baseline, trend,
seasonality and noise, a promo control per geo.
It reuses :mod:`bayes_mmm.data.simulate`'s spend patterns and baseline pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.data.dataset import MMMData, from_frame
from bayes_mmm.data.simulate import _baseline, _draw_media_params, _per_channel, spend_pattern
from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components import geo_shapes
from bayes_mmm.model.components.base import expand

# Share of the variance of each geo's weekly spend moves that is national. Meridian's 40-geo
# sample (../shared/data/meridian_geo_all_channels.csv) has log spend moving by ~0.13-0.23 (sd)
# nationally and ~0.45-0.6 around that within geos: most moves are the geo's own (~15-20%
# national). The default follows it; 0.5 was the first design's (more national than that data).
NATIONAL_SHARE = 0.2


@dataclass(frozen=True)
class GeoTruth:
    """Known truth of a geo simulation (ROI: outcome per unit of spend, realised)."""

    geos: tuple[str, ...]
    channels: tuple[str, ...]
    roi: np.ndarray  # (channel,) national ROI: total contribution / total spend
    roi_geo: np.ndarray  # (geo, channel)
    roi_typical: np.ndarray  # (channel,) the hierarchy's centre (median geo ROI)
    roi_geo_sd: float
    population: np.ndarray  # (geo,)
    media_params: dict[str, np.ndarray]  # shared shapes, units of mean spend per size
    contributions: pd.DataFrame  # long: geo, date, one column per component
    media_params_geo: dict[str, np.ndarray] | None = None  # (geo, channel) with shape_geo_sd
    adstock: str = "geometric"
    saturation: str = "hill"
    l_max: int = 8

    def roi_series(self) -> pd.Series:
        return pd.Series(self.roi, index=list(self.channels), name="roi")

    def roi_table(self) -> pd.DataFrame:
        """``geo, channel, roi`` rows, national rows (geo ``national``) first."""
        rows = [("national", c, float(r)) for c, r in zip(self.channels, self.roi, strict=True)]
        for g, geo in enumerate(self.geos):
            rows += [(geo, c, float(self.roi_geo[g, j])) for j, c in enumerate(self.channels)]
        return pd.DataFrame(rows, columns=["geo", "channel", "roi"])


@dataclass(frozen=True)
class GeoSimulation:
    frame: pd.DataFrame  # long: geo, date, sales, channels, promo, population
    truth: GeoTruth
    target: str = "sales"
    date: str = "date"
    geo: str = "geo"

    @property
    def channels(self) -> list[str]:
        return list(self.truth.channels)

    def to_data(self, min_rows: int | None = None) -> MMMData:
        return from_frame(
            self.frame,
            geo=self.geo,
            date=self.date,
            target=self.target,
            channels=self.channels,
            controls=["promo"] if "promo" in self.frame else [],
            population="population",
            min_rows=min_rows,
        )

    def true_lift(self, tests: pd.DataFrame) -> np.ndarray:
        """``(test,)`` the TRUE expected lift of windowed lift tests (a table in the lift
        file's format, ``geo`` column included; ``lift``/``sigma`` not needed): in each tested
        geo its share of the test's spend, as the model splits it, with and without the change,
        through the simulator's own media model; summed over the window and the geos."""
        from bayes_mmm.data.lift import parse_lift_tests
        from bayes_mmm.model.geo import tested_geos

        data = self.to_data()
        checked = parse_lift_tests(tests.assign(lift=0.0, sigma=1.0), data.channels, data.geos)
        beta, h, n_lags = self.media_model()
        out = np.empty(len(checked))
        for i in range(len(checked)):
            c, (idx, share) = data.channels.index(checked.channel[i]), tested_geos(data, checked, i)
            weeks, start = int(checked.weeks[i]), n_lags + int(checked.measured_from[i])
            n = n_lags + weeks + int(checked.carryover_weeks[i])
            base = np.zeros((data.n_geos, n, data.n_channels))
            base[idx, :, c] = checked.spend[i] * share[:, None]
            test = base.copy()
            test[idx, n_lags : n_lags + weeks, c] += checked.delta_spend[i] * share[:, None]
            diff = (h(test) - h(base))[idx, start:, c].sum(axis=1)
            out[i] = float((beta[idx, c] * diff).sum())
        return out

    def media_model(self):
        """``(beta, h, n_lags)``: the true weekly effect at saturation ``(geo, channel)``,
        ``h(spend (geo, date, channel))`` the saturated adstocked spend in the simulator's
        units (``beta * h(spend)`` are the true contributions) and the adstock's lags."""
        return _media_model(self)

    def national_frame(self) -> pd.DataFrame:
        """The same data summed over geos (promo: its mean), one national series."""
        f = self.frame.drop(columns=[self.geo, "population"])
        agg = {c: "sum" for c in f.columns if c not in (self.date, "promo")}
        if "promo" in f:
            agg["promo"] = "mean"
        return f.groupby(self.date, as_index=False).agg(agg)


def _geo_spend(means, patterns, sizes, n_weeks, rng, variability, national_share):
    """``(geo, date, channel)`` spend: size x mean x pattern, a share of the moves national."""
    n_geo, n_ch = len(sizes), len(means)
    national = rng.normal(size=(n_ch, n_weeks))
    out = np.empty((n_geo, n_weeks, n_ch))
    for g in range(n_geo):
        for c in range(n_ch):
            own = rng.normal(size=n_weeks)
            shock = np.sqrt(national_share) * national[c] + np.sqrt(1 - national_share) * own
            x = spend_pattern(patterns[c], n_weeks, rng, shock=shock, variability=variability)
            out[g, :, c] = sizes[g] * means[c] * x
    return out


def simulate_geo(
    n_geos: int = 8,
    n_weeks: int = 104,
    channels: Sequence[str] = ("tv", "search", "social", "display"),
    patterns: Sequence[str] | None = None,
    *,
    roi: Sequence[float] | float | None = None,
    roi_geo_sd: float = 0.2,
    shape_geo_sd: float = 0.0,
    mean_spend: Sequence[float] | float | None = None,
    media_share: float = 0.3,
    noise: float = 0.05,
    shared_noise: float = 0.0,
    spend_variability: float = 0.5,
    national_share: float = NATIONAL_SHARE,
    trend: float = 0.1,
    seasonality: float = 0.08,
    l_max: int = 8,
    start: str = "2022-01-03",
    seed: int = 0,
    adstock: str = "geometric",
    saturation: str = "hill",
    **media_params: Sequence[float] | float | None,
) -> GeoSimulation:
    """Simulate weekly geo data with known truth (arguments as :func:`simulate`, plus
    ``n_geos``, ``roi_geo_sd``, the spread of log ROI across geos, ``national_share``, the
    share of the variance of each geo's spend moves that is common to all geos, and
    ``shape_geo_sd``, the spread across geos of each adstock/saturation shape parameter on
    its unconstrained scale, and ``shared_noise``, the sd of a weekly shock common to all geos
    (share of each geo's mean; ``geo_noise="shared"``): 0, the defaults, change nothing)."""
    rng = np.random.default_rng(seed)
    channels, n_ch = tuple(channels), len(channels)
    patterns = tuple(patterns or ["always_on"] * n_ch)
    ads, sat = components.adstock(adstock), components.saturation(saturation)
    roi_c, shapes = _draw_media_params(ads, sat, roi, media_params, n_ch, rng)
    means = _per_channel(mean_spend, n_ch, rng, 200.0, 2000.0)
    sizes = np.exp(rng.normal(0.0, 0.6, size=n_geos))
    sizes = sizes / sizes.mean()
    roi_gc = roi_c[None, :] * np.exp(roi_geo_sd * rng.normal(size=(n_geos, n_ch)))
    dates = pd.date_range(start, periods=n_weeks, freq="7D", name="date")
    spend = _geo_spend(means, patterns, sizes, n_weeks, rng, spend_variability, national_share)
    p, per_geo = _shapes(ads.params + sat.params, shapes, n_geos, shape_geo_sd, seed)
    h = _saturated((ads, sat, p, ads.n_lags(l_max)), spend, sizes, spend.mean(axis=(0, 1)))
    media = h * (roi_gc * spend.sum(axis=1) / h.sum(axis=1))[:, None, :]
    season_seed = int(rng.integers(2**31))  # one seasonal phase for all geos
    shock = shared_noise * np.random.default_rng([seed, 1]).standard_normal(n_weeks)
    per_geo_rows = [_geo_rows(g, dates, media[g], spend[g], channels, media_share, (noise, shock),
                              trend, seasonality, sizes[g], rng, season_seed)
                    for g in range(n_geos)]  # fmt: skip
    rows, comps_all = zip(*per_geo_rows, strict=True)
    truth = GeoTruth(
        geos=tuple(f"geo{g:02d}" for g in range(n_geos)), channels=channels,
        roi=media.sum(axis=(0, 1)) / spend.sum(axis=(0, 1)),
        roi_geo=media.sum(axis=1) / spend.sum(axis=1), roi_typical=roi_c,
        roi_geo_sd=float(roi_geo_sd), population=sizes * 100_000.0,
        media_params={k: np.asarray(v) for k, v in shapes.items()},
        contributions=pd.concat(comps_all, ignore_index=True), media_params_geo=per_geo,
        adstock=adstock, saturation=saturation, l_max=l_max,
    )  # fmt: skip
    return GeoSimulation(frame=pd.concat(rows, ignore_index=True), truth=truth)


def _saturated(model: tuple, spend: np.ndarray, sizes: np.ndarray, unit: np.ndarray):
    """``h`` ``(geo, date, channel)``: spend per unit of size over ``unit`` (the mean spend
    per unit of size in the data), adstocked and saturated; ``model``: (adstock, saturation,
    shape parameters in the forward layout, lags)."""
    ads, sat, p, n_lags = model
    rel = spend / (sizes[:, None, None] * unit[None, None, :])
    return sat.forward(ads.forward(rel[None], p, n_lags, D.FORWARD_LAYOUT.index(D.DATE)), p)[0]


def _media_model(sim: GeoSimulation):
    """The simulation's media model: ``beta`` ``(geo, channel)`` (true weekly effect at
    saturation), ``h(spend (geo, date, channel))`` the saturated adstocked spend in the
    simulator's units, and the adstock's lags."""
    t = sim.truth
    ads, sat = components.adstock(t.adstock), components.saturation(t.saturation)
    frame = sim.frame.sort_values([sim.geo, sim.date])
    spend = frame[list(t.channels)].to_numpy(float).reshape(len(t.geos), -1, len(t.channels))
    sizes, unit = t.population / 100_000.0, spend.mean(axis=(0, 1))
    if t.media_params_geo is None:
        p = {k: expand(v, (D.CHANNEL,)) for k, v in t.media_params.items()}
    else:
        p = {k: expand(v, (D.GEO, D.CHANNEL)) for k, v in t.media_params_geo.items()}
    model = (ads, sat, p, ads.n_lags(t.l_max))

    def h(x: np.ndarray) -> np.ndarray:
        return _saturated(model, x, sizes, unit)

    return t.roi_geo * spend.sum(axis=1) / h(spend).sum(axis=1), h, model[3]


def _shapes(params, shapes: dict, n_geos: int, sd: float, seed: int):
    """Shape parameters placed in the forward layout, and their per-geo values ``(geo,
    channel)`` when ``sd > 0`` (drawn from their own stream: the rest of the data stays the
    same as with shared shapes)."""
    if sd <= 0:
        return {k: expand(v, (D.CHANNEL,)) for k, v in shapes.items()}, None
    rng = np.random.default_rng([seed, 14])
    per_geo = {}
    for param in params:
        u = geo_shapes.unconstrain(np.asarray(shapes[param.name], dtype=float), param.support)
        z = rng.normal(size=(n_geos, u.shape[-1]))
        per_geo[param.name] = geo_shapes.constrain(u[None, :] + sd * z, param.support)
    return {k: expand(v, (D.GEO, D.CHANNEL)) for k, v in per_geo.items()}, per_geo


def _geo_rows(g, dates, media, spend, channels, share, noise, trend, seasonality, size, rng,
             season_seed):  # fmt: skip
    """One geo's table rows and true contributions (trend varying by geo around ``trend``,
    the seasonal phase shared, its amplitude varying by geo; ``noise``: the sd of its own
    noise and the shared weekly shocks, both as shares of its mean)."""
    n = len(dates)
    media_mean = float(media.sum(axis=1).mean())
    base = media_mean * (1 - share) / share
    amplitude = seasonality * np.exp(0.2 * rng.normal())
    trend_g = trend * np.exp(0.3 * rng.normal()) * np.linspace(0.0, 1.0, n)  # change over window
    comps = _baseline(dates, base, trend_g, amplitude, np.random.default_rng(season_seed))
    promo = (rng.random(n) < 0.15).astype(float)
    comps["promo"] = promo * 0.08 * (base + media_mean)
    for i, ch in enumerate(channels):
        comps[ch] = media[:, i]
    mean = sum(v.mean() for v in comps.values())
    own, shock = noise
    y = sum(comps.values()) + rng.normal(0, own * mean, size=n) + shock * mean
    name = f"geo{g:02d}"
    frame = pd.DataFrame({"geo": name, "date": dates, "sales": y})
    for i, ch in enumerate(channels):
        frame[ch] = spend[:, i]
    frame["promo"] = promo
    frame["population"] = size * 100_000.0
    contributions = pd.DataFrame({"geo": name, "date": dates, **comps})
    return frame, contributions
