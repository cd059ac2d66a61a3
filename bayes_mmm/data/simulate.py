"""Simulated MMM data with known truth, from the same generative model the package fits.

``simulate(...)`` returns a :class:`Simulation`: the data table and the :class:`Truth`
(parameters, per-date true contributions, true ROI per channel; :mod:`bayes_mmm.data.truth`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bayes_mmm.data.dataset import MMMData, from_frame
from bayes_mmm.data.simulate_baseline import (
    baseline_drift,
    control_columns,
    holiday_columns,
    spend_multiplier,
)
from bayes_mmm.data.truth import Truth
from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import Adstock, Saturation, expand
from bayes_mmm.model.spec import YEAR_DAYS

Pattern = Literal["always_on", "flighted", "growing"]
PATTERNS: tuple[str, ...] = ("always_on", "flighted", "growing")


@dataclass(frozen=True)
class Simulation:
    frame: pd.DataFrame
    truth: Truth
    target: str = "sales"
    date: str = "date"

    @property
    def channels(self) -> list[str]:
        return list(self.truth.channels)

    @property
    def controls(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (self.date, self.target, *self.channels)]

    def to_data(self, min_rows: int | None = None) -> MMMData:
        return from_frame(
            self.frame,
            date=self.date,
            target=self.target,
            channels=self.channels,
            controls=self.controls,
            min_rows=min_rows,
        )


def spend_pattern(
    pattern: str,
    n: int,
    rng: np.random.Generator,
    shock: np.ndarray | None = None,
    variability: float = 0.5,
    persistence: float = 0.5,
) -> np.ndarray:
    """Spend with mean 1 following ``pattern``.

    Week-to-week variation is a log-AR(1) process with stationary standard deviation
    ``variability`` and autocorrelation ``persistence``; ``shock`` (standard normal) replaces
    the channel's own innovations to make channels correlated.
    """
    z = rng.normal(size=n) if shock is None else shock
    innovation = variability * np.sqrt(1 - persistence**2)
    log_noise = np.zeros(n)
    log_noise[0] = variability * z[0]
    for t in range(1, n):  # budgets move gradually
        log_noise[t] = persistence * log_noise[t - 1] + innovation * z[t]
    x = np.exp(log_noise)
    if pattern == "always_on":
        pass
    elif pattern == "growing":
        x = x * np.linspace(0.4, 1.6, n)
    elif pattern == "flighted":
        on = np.zeros(n, dtype=bool)
        t = int(rng.integers(0, 4))
        while t < n:
            length = int(rng.integers(2, 7))
            on[t : t + length] = True
            t += length + int(rng.integers(2, 9))
        x = np.where(on, x * rng.uniform(0.7, 1.3, size=n), 0.0)
    else:
        raise ValueError(f"unknown spend pattern '{pattern}'; choose from {PATTERNS}")
    return x / x.mean()


def _per_channel(value, n: int, rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    if value is None:
        return rng.uniform(low, high, size=n)
    arr = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    return arr.copy()


# simulate(n_geos > 1, ...) passes them on
GEO_OPTIONS = ("roi_geo_sd", "national_share", "shape_geo_sd", "shared_noise")


def simulate(
    n_weeks: int = 156,
    channels: Sequence[str] = ("tv", "search", "social", "display"),
    patterns: Sequence[str] | None = None,
    *,
    roi: Sequence[float] | float | None = None,
    mean_spend: Sequence[float] | float | None = None,
    media_share: float = 0.35,
    noise: float = 0.05,
    spend_correlation: float = 0.0,
    spend_variability: float = 0.5,
    trend: float = 0.1,
    seasonality: float = 0.08,
    promo: bool = True,
    l_max: int = 8,
    period_days: int = 7,
    start: str = "2022-01-03",
    seed: int = 0,
    adstock: str = "geometric",
    saturation: str = "hill",
    n_geos: int = 1,
    baseline: str = "linear",
    controls: Sequence[str] = (),
    holidays: Sequence[str] = (),
    spend_trend: float = 0.0,
    holiday_lift: float = 0.5,
    **media_params: Sequence[float] | float | None,
) -> Simulation:
    """Simulate weekly (or daily) data with known truth.

    ``adstock`` and ``saturation`` name the components that generate the media effects
    (``bayes_mmm.model.components``); ``media_params`` set their parameters per channel by
    name (e.g. ``decay``, ``half_saturation``, ``slope``; ``lam`` for logistic saturation,
    ``peak`` for delayed adstock), in units of each channel's mean spend over all weeks.
    Unset per-channel parameters are drawn from each parameter's ``sim_range``, the ranges of
    the calibration study for the defaults: ROI 0.3-3, decay 0.1-0.8, half-saturation 0.5-1.8
    x mean spend (over all weeks), slope 0.8-2.5.
    ``spend_variability`` is the log-scale standard deviation of weekly spend around its
    pattern (0.5: spend typically within about x0.6-x1.6 of its level) and ``spend_correlation``
    the correlation of those moves across channels.
    ``media_share`` is the share of the mean outcome due to media; ``noise`` is the noise
    standard deviation as a fraction of the mean outcome; ``trend`` and ``seasonality`` are
    fractions of the baseline (change over the window, and yearly amplitude).

    ``baseline`` shapes the drift of the baseline (``data.simulate_baseline``): ``linear``
    (the default), ``growth``, ``level_shift``, ``cycle``, ``shock`` or a sum such as
    ``"shock+cycle"``; ``trend`` is then its size. ``controls`` adds named trending controls
    (``store_count``, ``sentiment``, ... with effects in the truth), ``holidays`` 0/1 holiday
    weeks (``black_friday``, ``christmas``; each lifts the outcome by 20% of the baseline);
    ``spend_trend`` makes every budget follow the baseline drift and ``holiday_lift`` raises
    spend in holiday weeks. The truth is that of the data returned.
    ``n_geos`` > 1: geo-level data (:func:`bayes_mmm.data.simulate_geo.simulate_geo`), whose
    ``roi_geo_sd`` (spread of log ROI across geos), ``shared_noise`` (a weekly shock common to
    all geos) and ``national_share`` (share of each geo's
    spend moves common to all geos) may be passed here too.
    """
    geo_opts = {k: media_params.pop(k) for k in GEO_OPTIONS if k in media_params}
    if n_geos != 1:
        from bayes_mmm.data.simulate_geo import simulate_geo

        if baseline != "linear" or controls or holidays or spend_trend:
            raise ValueError("baseline shapes, controls, holidays and spend_trend: n_geos=1 only")
        return simulate_geo(n_geos, n_weeks, channels, patterns, roi=roi, mean_spend=mean_spend,
                            media_share=media_share, noise=noise, trend=trend,
                            spend_variability=spend_variability, seasonality=seasonality,
                            l_max=l_max, start=start, seed=seed, adstock=adstock,
                            saturation=saturation, **geo_opts, **media_params)  # fmt: skip
    if geo_opts:
        raise ValueError(f"{', '.join(geo_opts)}: geo data only (n_geos > 1)")
    rng = np.random.default_rng(seed)
    channels = tuple(channels)
    n_ch = len(channels)
    patterns = _patterns(patterns, n_ch)
    ads, sat = components.adstock(adstock), components.saturation(saturation)
    roi_, true = _draw_media_params(ads, sat, roi, media_params, n_ch, rng)
    means = _per_channel(mean_spend, n_ch, rng, 200.0, 2000.0)
    dates = pd.date_range(start, periods=n_weeks, freq=f"{period_days}D", name="date")
    spend = _spend(means, patterns, n_weeks, rng, spend_correlation, spend_variability)
    drift = baseline_drift(baseline, n_weeks, trend, rng)
    holiday_cols = holiday_columns(holidays, dates)
    spend = _follow_business(spend, drift, holiday_cols, spend_trend, holiday_lift)
    media, beta = _media(ads, sat, spend, true, l_max, roi_)
    media_mean = float(media.sum(axis=1).mean())
    base = media_mean * (1 - media_share) / media_share
    comps = _baseline(dates, base, drift, seasonality, rng)
    control_cols, coefs, effects = _control_effects(
        promo, controls, holiday_cols, dates, drift, base, media_mean, rng
    )
    comps.update(effects)
    comps.update({ch: media[:, i] for i, ch in enumerate(channels)})
    sigma = noise * sum(v.mean() for v in comps.values())
    y = sum(comps.values()) + rng.normal(0, sigma, size=n_weeks)
    frame = _frame(dates, y, channels, spend, control_cols)
    truth = Truth(
        channels=channels,
        patterns=patterns,
        roi=tuple(float(v) for v in media.sum(axis=0) / spend.sum(axis=0)),
        beta=tuple(map(float, beta)),
        mean_spend=tuple(map(float, spend.mean(axis=0))),
        baseline=float(base),
        trend=float(base * (drift[-1] - drift[0])),
        control_coef=tuple(map(float, coefs)),
        sigma=float(sigma),
        l_max=l_max,
        contributions=pd.DataFrame(comps, index=dates),
        adstock=adstock,
        saturation=saturation,
        media_params={k: tuple(map(float, v)) for k, v in true.items()},
    )
    return Simulation(frame=frame, truth=truth)


def _patterns(patterns: Sequence[str] | None, n_ch: int) -> tuple[str, ...]:
    """Each channel's spend pattern (default ``always_on``), one per channel."""
    patterns = tuple(patterns or ["always_on"] * n_ch)
    if len(patterns) != n_ch:
        raise ValueError(f"{len(patterns)} patterns given for {n_ch} channels")
    return patterns


def _follow_business(
    spend: np.ndarray,
    drift: np.ndarray,
    holiday_cols: dict[str, np.ndarray],
    spend_trend: float,
    holiday_lift: float,
) -> np.ndarray:
    """``spend`` following the baseline drift and raised in holiday weeks, when asked."""
    if spend_trend or holiday_cols:
        any_holiday = np.clip(sum(holiday_cols.values(), np.zeros(len(spend))), 0, 1)
        spend = spend * spend_multiplier(drift, any_holiday, spend_trend, holiday_lift)[:, None]
    return spend


def _media(
    ads: Adstock,
    sat: Saturation,
    spend: np.ndarray,
    true: dict[str, np.ndarray],
    l_max: int,
    roi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(date, channel)`` media contributions giving each channel ``roi``, and their betas."""
    relative = expand(spend / spend.mean(axis=0), (D.DATE, D.CHANNEL))
    p = {k: expand(v, (D.CHANNEL,)) for k, v in true.items()}
    n_lags = ads.n_lags(l_max)
    h = sat.forward(ads.forward(relative, p, n_lags, D.FORWARD_LAYOUT.index(D.DATE)), p)[0, 0]
    beta = roi * spend.sum(axis=0) / h.sum(axis=0)
    return h * beta, beta


def _control_effects(
    promo: bool,
    controls: Sequence[str],
    holiday_cols: dict[str, np.ndarray],
    dates: pd.DatetimeIndex,
    drift: np.ndarray,
    base: float,
    media_mean: float,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], list[float], dict[str, np.ndarray]]:
    """Control columns, their coefficients and contributions: promo, named, holidays."""
    control_cols, coefs, comps = {}, [], {}
    if promo:
        control_cols["promo"] = (rng.random(len(dates)) < 0.15).astype(float)
        coefs.append(0.08 * (base + media_mean))
        comps["promo"] = control_cols["promo"] * coefs[-1]
    extra = control_columns(controls, dates, drift, rng)
    extra.update({k: (v, 0.2) for k, v in holiday_cols.items()})
    for name, (col, effect) in extra.items():
        control_cols[name] = col
        coefs.append(effect * base)
        comps[name] = col * coefs[-1]
    return control_cols, coefs, comps


def _frame(
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    channels: tuple[str, ...],
    spend: np.ndarray,
    control_cols: dict[str, np.ndarray],
) -> pd.DataFrame:
    """The simulated table: date, sales, each channel's spend, then the controls."""
    frame = pd.DataFrame({"date": dates, "sales": y})
    for i, ch in enumerate(channels):
        frame[ch] = spend[:, i]
    for name, col in control_cols.items():
        frame[name] = col
    return frame


def _draw_media_params(ads, sat, roi, given: dict, n_ch: int, rng: np.random.Generator):
    """ROI and the components' parameters per channel: given, or drawn from ``sim_range``."""
    params = ads.params + sat.params
    unknown = sorted(set(given) - {p.name for p in params})
    if unknown:
        raise ValueError(
            f"unknown parameters {unknown} for adstock={ads.name!r}, saturation={sat.name!r}; "
            f"they take {[p.name for p in params]}"
        )
    roi_ = _per_channel(roi, n_ch, rng, 0.3, 3.0)
    true = {p.name: _per_channel(given.get(p.name), n_ch, rng, *p.sim_range) for p in params}
    return roi_, true


def _spend(means, patterns, n_weeks: int, rng, correlation: float, variability: float):
    """``(date, channel)`` spend: each channel's mean times its pattern, moves correlated."""
    common = rng.normal(size=n_weeks)
    rho = float(correlation)
    return np.column_stack(
        [
            means[i]
            * spend_pattern(
                patterns[i],
                n_weeks,
                rng,
                shock=np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=n_weeks),
                variability=variability,
            )
            for i in range(len(means))
        ]
    )


def _baseline(dates, base: float, drift: np.ndarray, seasonality: float, rng) -> dict:
    """Baseline, its drift (``trend``) and a yearly cycle (outcome units) over ``dates``."""
    n = len(dates)
    days = np.asarray((dates - pd.Timestamp("1970-01-01")).days, dtype=float)
    phase = rng.uniform(0, 2 * np.pi)
    year = 2 * np.pi * days / YEAR_DAYS
    season = base * seasonality * (np.sin(year + phase) + 0.3 * np.cos(2 * year + phase))
    return {"baseline": np.full(n, base), "trend": base * drift, "seasonality": season}
