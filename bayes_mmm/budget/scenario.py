"""Budget scenarios: the posterior (every draw) of the outcome of a spend plan for future weeks.

A *plan* is the weekly spend per channel over a horizon that starts the period after the last
date of the data. The *current plan* spends, every week of the horizon, each channel's mean
weekly spend over the last ``horizon`` periods of the data.

Everything is computed by :mod:`bayes_mmm.analysis.draws` (the one forward model) with the full
spend history, so adstock carries over from past spend into the horizon, and ``l_max - 1``
zero-spend weeks are appended after the horizon to collect the carryover of the plan's own spend.
Future inputs: seasonality comes from the calendar through the model's Fourier terms, the
linear trend is extrapolated, and controls default to their mean over the fit window (pass
``controls`` to set them). Outcomes are expected values (the model's mean): the week-to-week
noise does not depend on the plan and is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis import draws as predict
from bayes_mmm.analysis.summary import ci, eti_bounds
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.inference.idata import unstack
from bayes_mmm.model import dims as D

PLAN = "plan"
TOTAL = "total"
QUANTITIES = (
    "outcome",
    "baseline",
    "media",
    "carryover_in",
    "carryover_out",
    "incremental",
    "vs_current",
    "roi",
)


# ---- plans ----------------------------------------------------------------------------------
def tail_weeks(fit: MMMFit) -> int:
    """Zero-spend periods appended after a horizon to collect its carryover (``l_max - 1``)."""
    return fit.spec.carryover_weeks


def current_weekly(fit: MMMFit, horizon: int) -> np.ndarray:
    """``(channel,)`` mean weekly spend over the last ``horizon`` periods of the data."""
    horizon = check_horizon(horizon)
    if horizon > fit.data.n_dates:
        raise ValueError(
            f"horizon {horizon} is longer than the data ({fit.data.n_dates} periods): the current "
            "plan is the mean spend over the last `horizon` periods"
        )
    return fit.data.spend[-horizon:].mean(axis=0)


def history(fit: MMMFit) -> np.ndarray:
    """The last ``l_max - 1`` periods of spend: all the history adstock can carry over."""
    spend = fit.data.spend
    return spend[len(spend) - tail_weeks(fit) :]


def check_horizon(horizon: int) -> int:
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a positive whole number of periods, got {horizon!r}")
    return int(horizon)


def plan_frame(fit: MMMFit, spend: np.ndarray) -> pd.DataFrame:
    """Weekly spend ``(horizon, channel)`` as a DataFrame indexed by the future dates."""
    spend = np.asarray(spend, dtype=float)
    dates = predict.future_dates(fit, len(spend))
    return pd.DataFrame(spend, index=dates, columns=list(fit.data.channels))


def current_plan(fit: MMMFit, horizon: int) -> pd.DataFrame:
    """The current plan: each channel's mean weekly spend over the last ``horizon`` periods."""
    return plan_frame(fit, np.tile(current_weekly(fit, horizon), (check_horizon(horizon), 1)))


def parse_scale(text: str) -> dict[str, float]:
    """``'tv=1.2, search=0.8'`` -> ``{'tv': 1.2, 'search': 0.8}``."""
    out = {}
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ValueError(f"scale {item!r}: write CHANNEL=MULTIPLIER, e.g. tv=1.2")
    return out


def scaled_plan(fit: MMMFit, horizon: int, scale: Mapping[str, float]) -> pd.DataFrame:
    """The current plan with some channels multiplied, e.g. ``{"tv": 1.2}`` (others unchanged)."""
    channels = list(fit.data.channels)
    unknown = sorted(set(scale) - set(channels))
    if unknown:
        raise ValueError(f"unknown channels {unknown} in scale; channels are {channels}")
    bad = {k: v for k, v in scale.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"multipliers must be finite and >= 0, got {bad}")
    mult = np.array([float(scale.get(c, 1.0)) for c in channels])
    return current_plan(fit, horizon) * mult


def as_plan(fit: MMMFit, plan: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    """Check a weekly plan (one column per channel, one row per future period) and index it
    by the future dates. Non-channel columns are refused; a date index or column is ignored;
    organic channels left out (an optimized plan has none: they are not planned) stay at
    their current weekly level."""
    channels = list(fit.data.channels)
    if isinstance(plan, pd.DataFrame):
        names = {*fit.data.channels, *fit.data.control_names}  # a channel may be called 'date'
        dates = [c for c in (fit.data.date_name, "date") if c not in names]
        frame = plan.drop(columns=dates, errors="ignore")
        organic = [c for c in fit.data.organic if c not in frame.columns]
        if organic and len(frame):
            now = dict(zip(channels, current_weekly(fit, len(frame)), strict=True))
            frame = frame.assign(**{c: now[c] for c in organic})
        missing = [c for c in channels if c not in frame.columns]
        extra = [c for c in frame.columns if c not in channels]
        if missing or extra:
            raise ValueError(
                f"plan columns must be the model's channels {channels}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        values = frame[channels].to_numpy(dtype=float)
    else:
        values = np.asarray(plan, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(channels):
            raise ValueError(
                f"plan must be (weeks, {len(channels)} channels), got shape {values.shape}"
            )
    if len(values) == 0:
        raise ValueError("plan has no rows: give one row of spend per future period")
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        rows, cols = np.nonzero(bad)
        where = sorted({f"row {r + 1} ({channels[c]})" for r, c in zip(rows, cols, strict=True)})
        raise ValueError(f"plan spend must be finite and >= 0: bad values at {where[:5]}")
    return plan_frame(fit, values)


def _future_controls(fit: MMMFit, controls, n: int, horizon: int) -> np.ndarray:
    """``(n, control)``: given values over the horizon, fit-window means elsewhere."""
    names = list(fit.data.control_names)
    out = np.tile(fit.data.controls.mean(axis=0), (n, 1)) if names else np.zeros((n, 0))
    if controls is None:
        return out
    if isinstance(controls, pd.DataFrame):
        controls = {c: controls[c].to_numpy(dtype=float) for c in controls.columns}
    unknown = sorted(set(controls) - set(names))
    if unknown:
        raise ValueError(f"unknown controls {unknown}; the model's controls are {names}")
    for name, value in controls.items():
        value = np.asarray(value, dtype=float)
        if value.ndim and len(value) != horizon:
            raise ValueError(f"control '{name}' has {len(value)} values for {horizon} weeks")
        if not np.isfinite(value).all():
            raise ValueError(f"control '{name}' has NaN or infinite values")
        out[:horizon, names.index(name)] = value
    return out


# ---- scenario -------------------------------------------------------------------------------
def _media(fit: MMMFit, weekly: np.ndarray, tail: int) -> np.ndarray:
    """``(S, horizon + tail, channel)`` media contributions, adstock carried from the data."""
    spend = np.vstack([weekly, np.zeros((tail, weekly.shape[1]))])
    return predict.media(fit, spend, history=history(fit))


def scenario(
    fit: MMMFit,
    plan: pd.DataFrame | np.ndarray | None = None,
    *,
    scale: Mapping[str, float] | None = None,
    horizon: int | None = None,
    controls: pd.DataFrame | Mapping[str, Sequence[float] | float] | None = None,
) -> xr.Dataset:
    """Posterior of a plan's outcome over the horizon, every draw (``chain, draw``).

    Give ``plan`` (weekly spend per channel, one row per future period) or ``scale``
    (multipliers of the current plan, with ``horizon``). Variables, in outcome units and
    summed over the horizon unless said otherwise:

    - ``spend`` (channel): the plan's spend over the horizon.
    - ``outcome``: expected total outcome; ``baseline``: its non-media part.
    - ``media`` (channel): media contributions in the horizon, including ``carryover_in``,
      the part due to spend before the horizon.
    - ``carryover_out`` (channel): contributions after the horizon due to the plan's spend.
    - ``incremental`` (channel): the plan versus zero media in the horizon, carryover out
      included (``media - carryover_in + carryover_out``).
    - ``vs_current`` (channel): ``incremental`` minus the current plan's.
    - ``weekly`` (date): expected outcome per week of the horizon.
    """
    if (plan is None) == (scale is None):
        raise ValueError("give either plan (weekly spend) or scale (multipliers), not both")
    if plan is None:
        if horizon is None:
            raise ValueError("scale needs a horizon (number of future periods)")
        frame = scaled_plan(fit, horizon, scale or {})
    else:
        frame = as_plan(fit, plan)
        if horizon is not None and check_horizon(horizon) != len(frame):
            raise ValueError(f"plan has {len(frame)} rows but horizon is {horizon}")
    return scenarios(fit, {"plan": frame}, controls=controls)["plan"]


def scenarios(
    fit: MMMFit,
    plans: Mapping[str, pd.DataFrame | np.ndarray],
    controls: pd.DataFrame | Mapping[str, Sequence[float] | float] | None = None,
) -> dict[str, xr.Dataset]:
    """:func:`scenario` of several plans over the same horizon (references computed once)."""
    if fit.data.n_geos > 1:
        raise ValueError(
            "weekly plans of a geo fit have a geo axis: use "
            "bayes_mmm.budget.geo_scenario.plan_scenario (a plan per geo and period; CLI: "
            "scenario --plan), bayes_mmm.budget.geo.geo_scenario (multipliers by channel or "
            "GEO/CHANNEL cell; --scale) or optimize(fit, ..., by_geo=...)"
        )
    frames = {k: as_plan(fit, p) for k, p in plans.items()}
    lengths = {len(f) for f in frames.values()}
    if len(lengths) != 1:
        raise ValueError(f"plans must cover the same horizon, got lengths {sorted(lengths)}")
    h, tail = lengths.pop(), tail_weeks(fit)
    dates = predict.future_dates(fit, h + tail)
    future_controls = _future_controls(fit, controls, h + tail, h)
    zero = _media(fit, np.zeros((h, fit.data.n_channels)), tail)
    current = _media(fit, current_weekly(fit, h)[None, :].repeat(h, 0), tail)
    current_effect = (current - zero).sum(axis=1)
    return {
        name: _evaluate(fit, frame, dates, future_controls, zero, current_effect)
        for name, frame in frames.items()
    }


def _evaluate(fit, frame, dates, controls, zero, current_effect) -> xr.Dataset:
    h, tail = len(frame), len(dates) - len(frame)
    weekly = frame.to_numpy()
    spend = np.vstack([weekly, np.zeros((tail, weekly.shape[1]))])
    new = predict.rows(fit, dates, spend, controls)
    comps = predict.components(fit, new, history=history(fit))
    channels = list(fit.data.channels)
    stacked = comps.stack(sample=D.SAMPLE_DIMS).transpose("sample", D.DATE, D.COMPONENT)
    media = stacked.sel(component=channels).values  # (S, h + tail, C)
    base = stacked.drop_sel(component=channels).sum(D.COMPONENT).values  # (S, h + tail)
    incremental = (media - zero).sum(axis=1)  # plan versus zero media, horizon + tail
    per_channel = {
        "media": media[:, :h].sum(axis=1),
        "carryover_in": zero[:, :h].sum(axis=1),
        "carryover_out": (media - zero)[:, h:].sum(axis=1),
        "incremental": incremental,
        "vs_current": incremental - current_effect,
    }
    ch = {D.CHANNEL: channels}
    data = {k: unstack(v, fit.posterior, (D.CHANNEL,), ch) for k, v in per_channel.items()}
    weekly_outcome = base[:, :h] + media[:, :h].sum(axis=2)
    weeks = {D.DATE: np.asarray(dates[:h])}
    data["weekly"] = unstack(weekly_outcome, fit.posterior, (D.DATE,), weeks)
    data["outcome"] = data["weekly"].sum(D.DATE)
    data["baseline"] = unstack(base[:, :h].sum(axis=1), fit.posterior, (), {})
    data["spend"] = xr.DataArray(weekly.sum(axis=0), dims=D.CHANNEL, coords=ch)
    ds = xr.Dataset(data)
    ds.attrs.update(
        horizon=h,
        tail_weeks=tail,
        start=str(dates[0].date()),
        end=str(dates[h - 1].date()),
        units=fit.data.target_name,
    )
    return ds


def _stats(x: np.ndarray, ci_prob: float | None) -> dict[str, float]:
    lo, hi = eti_bounds(x, ci_prob)
    return {"mean": x.mean(), "median": np.median(x), "lower": lo, "upper": hi}


def summarize(ds: xr.Dataset, ci_prob: float | None = None) -> pd.DataFrame:
    """Tidy summary of :func:`scenario`: one row per quantity and channel (``total`` = sum).

    Columns ``quantity, channel, spend, mean, median, lower, upper, prob_positive`` with an
    equal-tailed interval of probability ``ci_prob``; ``prob_positive`` (for ``vs_current``)
    is the posterior probability that the plan beats the current plan. ``roi`` is
    ``incremental / spend``.
    """
    ci_prob = ci(ci_prob)
    channels = list(ds[D.CHANNEL].values)
    spend = ds["spend"].values
    rows = []

    def add(quantity: str, channel: str, s: float, draws: xr.DataArray) -> None:
        x = np.asarray(draws.values, dtype=float).ravel()
        prob = float((x > 0).mean()) if quantity == "vs_current" else np.nan
        rows.append(dict(quantity=quantity, channel=channel, spend=s, **_stats(x, ci_prob), p=prob))

    for q in ("outcome", "baseline"):
        add(q, TOTAL, spend.sum(), ds[q])
    for q in ("media", "carryover_in", "carryover_out", "incremental", "vs_current"):
        for i, c in enumerate(channels):
            add(q, c, spend[i], ds[q].sel(channel=c))
        add(q, TOTAL, spend.sum(), ds[q].sum(D.CHANNEL))
    for i, c in enumerate(channels):
        if spend[i] > 0:
            add("roi", c, spend[i], ds["incremental"].sel(channel=c) / spend[i])
    if spend.sum() > 0:
        add("roi", TOTAL, spend.sum(), ds["incremental"].sum(D.CHANNEL) / spend.sum())
    out = pd.DataFrame(rows).rename(columns={"p": "prob_positive"})
    out.attrs["ci_prob"] = ci_prob
    return out


def what_ifs(
    fit: MMMFit,
    horizon: int,
    changes: Sequence[float] = (-0.2, 0.2),
    ci_prob: float | None = None,
) -> pd.DataFrame:
    """One channel at a time, spend changed by each fraction in ``changes`` (e.g. ±20%)
    from the current plan: the change in outcome versus the current plan, with uncertainty.

    Columns ``channel, change, spend_change, mean, median, lower, upper, prob_positive,
    marginal_roi`` (outcome change per unit of spend change, posterior mean). For an organic
    channel the change is in its exposure and there is no marginal ROI (NaN).
    """
    rows = []
    for channel in fit.data.channels:
        for change in changes:
            ds = scenario(fit, scale={channel: 1.0 + change}, horizon=horizon)
            gain = ds["vs_current"].sum(D.CHANNEL).values.ravel()
            cur = current_weekly(fit, horizon)[list(fit.data.channels).index(channel)]
            d_spend = cur * horizon * change
            rows.append(what_if_row(channel, change, d_spend, gain, ci_prob,
                                    priced=channel not in fit.data.organic))  # fmt: skip
    return pd.DataFrame(rows)


def what_if_row(channel: str, change: float, spend_change: float, gain: np.ndarray,
                ci_prob: float | None, priced: bool = True) -> dict:  # fmt: skip
    """One row of a what-if table: the outcome change ``gain`` (per draw) of changing
    ``channel``'s spend by ``spend_change``; no marginal ROI without a change or for an
    organic channel (``priced`` False)."""
    return dict(
        channel=channel,
        change=change,
        spend_change=spend_change,
        **_stats(gain, ci_prob),
        prob_positive=float((gain > 0).mean()),
        marginal_roi=gain.mean() / spend_change if spend_change and priced else np.nan,
    )
