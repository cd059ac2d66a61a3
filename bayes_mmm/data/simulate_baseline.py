"""Baseline shapes, trending controls and holiday weeks for :func:`bayes_mmm.simulate`, and
the retailer-like preset (:func:`simulate_retailer`).

Real weekly sales drift in ways a straight line cannot follow: a growing business (a
saturating growth curve), a level shift (a new product line, a lost distributor), a slow
business cycle, a COVID-like shock (a sharp fall, then a recovery over months). Controls such
as store count or a consumer-sentiment index trend with that drift, media budgets trend with
the business, and holiday weeks spike. Everything here is generated *before* the outcome, so
the simulator's truth (contributions, ROI) is exact for the data it returns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

BASELINE_SHAPES: tuple[str, ...] = ("linear", "growth", "level_shift", "cycle", "shock")
CONTROL_KINDS: tuple[str, ...] = (
    "store_count",
    "sentiment",
    "markdown",
    "price_index",
    "competitor_promo",
    "unemployment",
    "promo",
)
HOLIDAYS: tuple[str, ...] = ("black_friday", "christmas")


def baseline_drift(kind: str, n: int, size: float, rng: np.random.Generator) -> np.ndarray:
    """Drift of the baseline ``(n,)`` as a fraction of it, 0 at the first date.

    ``size`` sets the scale: the change over the window (``linear``, ``growth``), the jump
    (``level_shift``), the cycle's amplitude (``cycle``) or the fall (``shock``).
    """
    if "+" in kind:  # e.g. "shock+cycle": the sum of the shapes, the second at half size
        parts = kind.split("+")
        first = baseline_drift(parts[0], n, size, rng)
        return first + sum(baseline_drift(k, n, size / 2, rng) for k in parts[1:])
    t = np.arange(n) / max(n - 1, 1)
    if kind == "linear":
        return size * t
    if kind == "growth":  # logistic growth curve, mid-point in the middle half of the window
        mid, rate = rng.uniform(0.3, 0.7), rng.uniform(8.0, 14.0)
        curve = 1 / (1 + np.exp(-rate * (t - mid)))
        return size * (curve - curve[0]) / (curve[-1] - curve[0])
    if kind == "level_shift":  # a logistic step (scale 1.5 periods) at a random date
        at = rng.uniform(0.3, 0.7)
        step = 1 / (1 + np.exp(-(t - at) * n / 1.5))
        return size * rng.choice([-1.0, 1.0]) * (step - step[0])
    if kind == "cycle":  # a slow cycle: 0.8-1.4 periods over the window
        cycles, phase = rng.uniform(0.8, 1.4), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * cycles * t + phase)
        return size * (wave - wave[0])
    if kind == "shock":  # sharp fall over ~2 periods, recovery over ~15-30 periods
        at, recovery = int(n * rng.uniform(0.35, 0.6)), rng.uniform(15.0, 30.0)
        k = np.arange(n) - at
        decay = np.exp(-np.maximum(k - 1, 0) / recovery)
        return -size * np.where(k >= 0, np.minimum(k + 1, 2) / 2 * decay, 0.0)
    raise ValueError(f"unknown baseline shape {kind!r}; choose from {list(BASELINE_SHAPES)}")


def _smooth_noise(n: int, rng: np.random.Generator, persistence: float = 0.9) -> np.ndarray:
    z = np.zeros(n)
    for i in range(1, n):
        z[i] = persistence * z[i - 1] + np.sqrt(1 - persistence**2) * rng.normal()
    return z


def control_columns(
    kinds: Sequence[str], dates: pd.DatetimeIndex, drift: np.ndarray, rng: np.random.Generator
) -> dict[str, tuple[np.ndarray, float]]:
    """Control columns in their own units and each one's effect as a fraction of the
    baseline per unit (sign included): ``{name: (column, effect_per_unit)}``.

    ``store_count`` grows in steps with the business; ``sentiment`` (an index around 100)
    co-moves with the baseline drift; ``markdown`` (share of items marked down) peaks in
    Q4; ``price_index`` drifts slowly; ``competitor_promo`` and ``promo`` are 0/1 weeks;
    ``unemployment`` moves against sentiment.
    """
    n = len(dates)
    t = np.arange(n) / max(n - 1, 1)
    q4 = np.isin(dates.month, (11, 12)).astype(float)
    rel = drift / (np.ptp(drift) or 1.0)  # the drift on a unit scale

    def walk() -> np.ndarray:  # drawn only when asked for: no controls, no draws
        return 0.05 * rng.normal(size=n).cumsum() / np.sqrt(n)

    make = {
        "store_count": lambda: (np.round(200 * (1 + 0.3 * t + 0.05 * rel + walk())), 0.001),
        "sentiment": lambda: (100 + 12 * rel + 2.5 * _smooth_noise(n, rng), 0.004),
        "markdown": lambda: (np.clip(0.1 + 0.15 * q4 + 0.03 * rng.normal(size=n), 0, 1), 0.4),
        "price_index": lambda: (1 + 0.04 * t + 0.02 * _smooth_noise(n, rng), -0.6),
        "competitor_promo": lambda: ((rng.random(n) < 0.2).astype(float), -0.04),
        "unemployment": lambda: (5.5 - 1.5 * rel + 0.3 * _smooth_noise(n, rng), -0.01),
        "promo": lambda: ((rng.random(n) < 0.15).astype(float), 0.08),
    }
    unknown = sorted(set(kinds) - set(make))
    if unknown:
        raise ValueError(f"unknown controls {unknown}; choose from {list(CONTROL_KINDS)}")
    return {k: make[k]() for k in kinds}


def holiday_columns(names: Sequence[str], dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """0/1 holiday weeks: the period holding Black Friday (4th Thursday of November) or
    Christmas Day (a period counts when the holiday falls in ``[date, date + period)``)."""
    step = dates[1] - dates[0] if len(dates) > 1 else pd.Timedelta(days=7)
    out = {}
    for name in names:
        days = []
        for year in range(dates[0].year, dates[-1].year + 1):
            if name == "black_friday":
                nov = pd.date_range(f"{year}-11-01", f"{year}-11-30")
                days.append(nov[nov.day_of_week == 3][3] + pd.Timedelta(days=1))
            elif name == "christmas":
                days.append(pd.Timestamp(f"{year}-12-25"))
            else:
                raise ValueError(f"unknown holiday {name!r}; choose from {list(HOLIDAYS)}")
        hit = np.zeros(len(dates))
        for day in days:
            hit[(dates <= day) & (day < dates + step)] = 1.0
        out[name] = hit
    return out


def spend_multiplier(
    drift: np.ndarray, holidays: np.ndarray, spend_trend: float, holiday_lift: float
) -> np.ndarray:
    """``(date,)`` factor on every channel's spend: budgets follow the business (``1 +
    spend_trend * drift``, drift on a unit scale) and rise in holiday weeks."""
    rel = drift / (np.ptp(drift) or 1.0)
    return np.clip(1 + spend_trend * rel, 0.2, None) * (1 + holiday_lift * holidays)


RETAILER_CHANNELS = (
    "direct_mail",
    "tv",
    "radio",
    "print",
    "ooh",
    "search",
    "social",
    "display",
    "video",
    "email",
)
RETAILER_CONTROLS = CONTROL_KINDS  # every trending control the simulator knows


def simulate_retailer(seed: int = 0, baseline: str = "shock+cycle", **overrides):
    """A retailer-like data set: 209 weeks, 10 channels (direct mail to search) whose
    budgets trend with the business and rise in holiday weeks, 7 controls (store count and a
    sentiment index trending with the baseline, markdowns, price, competitor promotions,
    unemployment, promotions), 2 holiday dummies, and a COVID-like shock plus a slow cycle by
    default (``baseline``). ``overrides`` go to :func:`bayes_mmm.simulate`."""
    from bayes_mmm.data.simulate import simulate

    patterns = ["always_on"] * 6 + ["flighted", "growing", "always_on", "flighted"]
    kwargs = dict(
        n_weeks=209,
        channels=RETAILER_CHANNELS,
        patterns=patterns,
        start="2019-01-07",
        baseline=baseline,
        trend=0.3,
        seasonality=0.06,
        promo=False,
        controls=RETAILER_CONTROLS,
        holidays=HOLIDAYS,
        spend_trend=0.6,
        spend_correlation=0.3,
        media_share=0.3,
        noise=0.04,
        seed=seed,
    )
    kwargs.update(overrides)
    return simulate(**kwargs)
