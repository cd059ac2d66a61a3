"""Media given as exposure, organic media and revenue per KPI: how these inputs become the
model's media matrix, checked before any work.

- **Exposure** (``exposure={"fb_spend": "fb_impressions"}``): the channel's curve (adstock and
  saturation) is fitted on its exposure (impressions, clicks, GRPs); its spend gives ROI. The
  model's media input for the channel is its exposure at the channel's observed average cost
  per unit, ``cpu = total spend / total exposure`` ("spend-equivalent exposure",
  ``exposure x cpu``). Its total over the window equals the total spend, so ROI (contribution
  / spend), the ROI-scale prior and everything asked in spend (response curves, marginal ROI,
  the optimizer, scenarios) are in money, converted at that one average cost per unit. How
  the cost per unit moved over time is reported (:func:`cost_per_unit_table`).
- **Organic** (``organic=["newsletter"]``): exposure without spend. The channel's input is its
  exposure itself; its ``roi`` parameter is contribution per unit of exposure (prior centred
  on an equal share of media's contribution); it has a contribution and response curve but
  no ROI (NA in roi.csv) and the optimizer leaves it out.
- **Revenue per KPI** (a number, or a column for a per-period value): ROI in money next to ROI
  in KPI per unit of spend; revenue of period t = KPI contribution x revenue_per_kpi[t].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.data.problems import where


@dataclass(frozen=True)
class MediaInputs:
    """How the media columns are read: spend channels, exposure columns, organic columns and
    revenue per KPI (a number or a column name)."""

    channels: tuple[str, ...]
    exposure: Mapping[str, str] = field(default_factory=dict)
    organic: tuple[str, ...] = ()
    revenue_per_kpi: float | str | None = None

    @property
    def modeled(self) -> list[str]:
        """The model's channels: the paid ones, then the organic ones."""
        return [*self.channels, *self.organic]

    @property
    def columns(self) -> list[str]:
        """Every numeric media column to validate (spend, exposure, organic)."""
        return list(dict.fromkeys([*self.channels, *self.exposure.values(), *self.organic]))

    def negative_labels(self) -> dict[str, str]:
        """What a negative value is called, per exposure and organic column (the validation
        error names the column and what it holds, not "spend")."""
        out = {
            e: f"exposure column '{e}' (of channel '{s}') has negative exposure"
            for s, e in self.exposure.items()
        }
        out.update({o: f"organic column '{o}' has negative exposure" for o in self.organic})
        return out

    def revenue_column(self) -> str | None:
        return self.revenue_per_kpi if isinstance(self.revenue_per_kpi, str) else None

    def declaration_problems(self, columns: Sequence[str]) -> list[str]:
        """Names that do not fit together (before the values are read)."""
        problems = []
        unknown = [s for s in self.exposure if s not in self.channels]
        if unknown:
            problems.append(
                f"media exposure names spend columns {unknown} that are not among the "
                f"channels {list(self.channels)}: write SPEND_COL=EXPOSURE_COL for a channel"
            )
        twice = [o for o in self.organic if o in self.channels or o in self.exposure.values()]
        if twice:
            problems.append(f"organic columns {twice} are also paid channels or exposure")
        exp = list(self.exposure.values())
        dup = sorted({e for e in exp if exp.count(e) > 1 or e in self.channels})
        if dup:
            problems.append(f"exposure columns {dup} are used twice (or are a spend column)")
        rpk = self.revenue_per_kpi
        if isinstance(rpk, str) and rpk not in columns:
            problems.append(f"revenue per KPI column '{rpk}' is not in the data")
        elif rpk is not None and not isinstance(rpk, str) and not (np.isfinite(rpk) and rpk > 0):
            problems.append(f"revenue per KPI must be a positive number or a column, got {rpk}")
        return problems

    def value_problems(self, df: pd.DataFrame, unit: str) -> list[str]:
        """Rows where a channel has spend but no exposure; a revenue column that is not a
        positive number in every row (other checks: the validator's, on every column)."""
        problems = []
        wanted = {*self.exposure, *self.exposure.values()}
        num = {  # a duplicated column name (a frame, not a series) is the validator's to report
            c: pd.to_numeric(df[c], errors="coerce")
            for c in wanted
            if c in df and isinstance(df[c], pd.Series)
        }
        for spend_col, exp_col in self.exposure.items():
            if spend_col not in num or exp_col not in num:
                continue
            bad = (num[spend_col] > 0) & (num[exp_col] == 0)
            if bad.any():
                problems.append(
                    f"exposure column '{exp_col}' is 0 in {where(df.index[bad], unit=unit)} "
                    f"where '{spend_col}' has spend: spend must buy exposure (fix the exposure "
                    "or the spend of those rows)"
                )
        col = self.revenue_column()
        if col is not None and col in df and isinstance(df[col], pd.Series):
            rev = pd.to_numeric(df[col], errors="coerce")
            bad = ~(rev > 0)
            if bad.any():
                problems.append(
                    f"revenue per KPI column '{col}' is missing, not a number or not positive "
                    f"in {where(df.index[bad], df[col][bad].tolist(), unit=unit)}"
                )
        return problems


@dataclass(frozen=True)
class MediaArrays:
    """The model's media matrix and what it was made of."""

    spend: np.ndarray  # (date, channel) model input: spend, spend-equivalent exposure, organic
    paid_spend: np.ndarray | None  # (date, channel) money spend (0 for organic); None: = spend
    cost_per_unit: dict[str, float]
    revenue_per_kpi: np.ndarray | None  # (date,)


def media_arrays(inputs: MediaInputs, clean: pd.DataFrame, revenue: pd.Series | None):
    """Arrays from the validated (numeric, date-sorted) table; ``revenue``: the revenue per
    KPI column in the same order."""
    n = len(clean)
    cols, paid, cpu = [], [], {}
    for ch in inputs.channels:
        spend = clean[ch].to_numpy(float)
        paid.append(spend)
        if ch in inputs.exposure:
            exposure = clean[inputs.exposure[ch]].to_numpy(float)
            cpu[ch] = float(spend.sum() / exposure.sum())
            cols.append(exposure * cpu[ch])
        else:
            cols.append(spend)
    for ch in inputs.organic:
        cols.append(clean[ch].to_numpy(float))
        paid.append(np.zeros(n))
    spend = np.ascontiguousarray(np.column_stack(cols).reshape(n, len(cols)))
    paid_spend = None
    if inputs.exposure or inputs.organic:
        paid_spend = np.ascontiguousarray(np.column_stack(paid).reshape(n, len(paid)))
    rpk = inputs.revenue_per_kpi
    if revenue is not None:
        rev = revenue.to_numpy(float)
    elif rpk is not None:
        rev = np.full(n, float(rpk))
    else:
        rev = None
    return MediaArrays(spend, paid_spend, cpu, rev)


def geo_media(inputs: MediaInputs, panel):
    """A geo panel whose ``spend`` holds the media columns ``inputs.columns`` -> the panel
    with the model's media input per geo (exposure at the national average cost per unit,
    as :func:`media_arrays`), ``paid_spend`` and ``revenue_per_kpi`` per geo; and the
    :class:`MediaArrays` of all geo-periods stacked (its ``cost_per_unit``)."""
    import dataclasses

    n_g, n_t, _ = panel.spend.shape
    flat = pd.DataFrame(panel.spend.reshape(n_g * n_t, -1), columns=inputs.columns)
    col = inputs.revenue_column()
    revenue = None if col is None else pd.Series(panel.values[col].reshape(-1))
    arrays = media_arrays(inputs, flat, revenue)

    def cube(a):
        return None if a is None else np.ascontiguousarray(a.reshape(n_g, n_t, *a.shape[1:]))

    values = {k: v for k, v in panel.values.items() if k != col}
    out = dataclasses.replace(
        panel,
        spend=cube(arrays.spend),
        paid_spend=cube(arrays.paid_spend),
        revenue_per_kpi=cube(arrays.revenue_per_kpi),
        values=values,
    )
    return out, arrays


def cost_per_unit_table(data, freq: str = "QS") -> pd.DataFrame:
    """Observed cost per unit of exposure of each exposure channel per quarter (``freq``):
    ``channel, period, spend, exposure, cost_per_unit, ratio_to_average`` with the window's
    average (the one the model converts at) in the row ``period = "all"``."""
    rows = []
    for ch, cpu in data.cost_per_unit.items():
        i = data.channels.index(ch)
        spend = pd.Series(data.money_spend[:, i], index=data.dates)
        exposure = pd.Series(data.spend[:, i] / cpu, index=data.dates)
        frame = pd.DataFrame({"spend": spend, "exposure": exposure})
        grouped = frame.groupby(frame.index.to_period(freq[0])).sum()
        for period, r in grouped.iterrows():
            unit = r["spend"] / r["exposure"] if r["exposure"] > 0 else np.nan
            rows.append((ch, str(period), r["spend"], r["exposure"], unit, unit / cpu))
        rows.append((ch, "all", spend.sum(), exposure.sum(), cpu, 1.0))
    cols = ["channel", "period", "spend", "exposure", "cost_per_unit", "ratio_to_average"]
    return pd.DataFrame(rows, columns=cols)


def cost_per_unit_cv(data) -> dict[str, float]:
    """Coefficient of variation over quarters of each exposure channel's cost per unit."""
    table = cost_per_unit_table(data)
    table = table[table["period"] != "all"]
    return {
        ch: float(g["cost_per_unit"].std() / g["cost_per_unit"].mean())
        for ch, g in table.groupby("channel")
    }


def media_inputs_summary(data) -> dict:
    """For ``fit.json``: how media, revenue and calendar inputs were read."""
    out: dict = {}
    if data.exposure:
        cv = cost_per_unit_cv(data)
        out["media_exposure"] = {
            ch: {
                "exposure_column": col,
                "average_cost_per_unit": data.cost_per_unit[ch],
                "cost_per_unit_cv_over_quarters": cv.get(ch),
                "note": "curve fitted on exposure; ROI, response curves and the optimizer in "
                "spend at the average cost per unit (cost_per_unit.csv: per quarter)",
            }
            for ch, col in data.exposure.items()
        }
    if data.organic:
        out["organic"] = {"channels": list(data.organic), "note": "no spend: no ROI, not planned"}
    if data.revenue_per_kpi is not None:
        rpk = data.revenue_per_kpi
        out["revenue_per_kpi"] = {
            "mean": float(rpk.mean()),
            "min": float(rpk.min()),
            "max": float(rpk.max()),
        }
    if data.calendar:
        out["calendar"] = dict(data.calendar)
    return out
