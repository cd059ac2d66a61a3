"""Per-channel limits of an allocation, as total spend over the horizon: absolute, relative to
the current plan (``max_change``), or fixed; and their command-line form ``CHANNEL=LO:HI``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


def _per_channel(value, channels: list[str], name: str) -> dict[str, object]:
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(channels))
        if unknown:
            raise ValueError(f"unknown channels {unknown} in {name}; channels are {channels}")
        return dict(value)
    return dict.fromkeys(channels, value)


def resolve_bounds(
    channels: list[str],
    current: np.ndarray,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    max_change: float | tuple[float, float] | Mapping[str, float | tuple] | None = None,
    fixed: Iterable[str] | Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper total spend per channel over the horizon.

    ``bounds``: ``{channel: (lo, hi)}`` totals (``None``: no bound on that side);
    ``max_change``: fraction ``f`` (within ``current x (1 ± f)``) or ``(down, up)`` (within
    ``current x (1 - down)`` and ``current x (1 + up)``), for every channel or per channel;
    ``fixed``: channels kept at the current plan, or ``{channel: total}``.
    """
    lo, hi = np.zeros(len(channels)), np.full(len(channels), np.inf)
    for ch, (a, b) in _per_channel(bounds or {}, channels, "bounds").items():
        i = channels.index(ch)
        lo[i] = max(lo[i], 0.0 if a is None else float(a))
        hi[i] = min(hi[i], np.inf if b is None else float(b))
    if max_change is not None:
        for ch, f in _per_channel(max_change, channels, "max_change").items():
            if f is None:
                continue
            down, up = (f, f) if np.ndim(f) == 0 else f
            if not all(np.isfinite(v) and v >= 0 for v in (down, up)):
                raise ValueError(f"max_change for '{ch}' must be a fraction >= 0, got {f}")
            i = channels.index(ch)
            lo[i] = max(lo[i], current[i] * (1 - down))
            hi[i] = min(hi[i], current[i] * (1 + up))
    if fixed is not None:
        if not isinstance(fixed, Mapping):
            fixed = {ch: None for ch in fixed}
        for ch, v in _per_channel(fixed, channels, "fixed").items():
            i = channels.index(ch)
            lo[i] = hi[i] = current[i] if v is None else float(v)
    bad = [channels[i] for i in range(len(channels)) if not lo[i] <= hi[i] or lo[i] < 0]
    if bad or not np.isfinite(lo).all():
        raise ValueError(
            f"bounds of {bad or 'some channels'} are empty or negative "
            f"(lower {lo.round(2).tolist()}, upper {hi.round(2).tolist()})"
        )
    return lo, hi


def parse_bound(text: str, channels: list[str], current: np.ndarray) -> tuple[str, tuple]:
    """``'tv=1000:5000'`` (totals over the horizon), ``'tv=-30%:+30%'`` (relative to the
    current plan) or ``'tv=:5000'`` (one side) -> ``('tv', (lo, hi))``."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    lo_text, colon, hi_text = spec.partition(":")
    if not sep or not colon:
        raise ValueError(
            f"--bound {text!r}: write CHANNEL=LO:HI, e.g. tv=1000:5000 or tv=-30%:+30%"
        )
    if name not in channels:
        raise ValueError(f"--bound {text!r}: unknown channel '{name}'; channels are {channels}")
    cur = current[channels.index(name)]

    def value(s: str) -> float | None:
        s = s.strip()
        if not s:
            return None
        try:
            return cur * (1 + float(s[:-1]) / 100) if s.endswith("%") else float(s)
        except ValueError:
            raise ValueError(f"--bound {text!r}: {s!r} is not a number or a percentage") from None

    return name, (value(lo_text), value(hi_text))
