"""The truth of a simulation (:func:`bayes_mmm.data.simulate.simulate`): parameters, true
contributions and ROI, and true responses by the simulator's own equations."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import expand


@dataclass(frozen=True)
class Truth:
    """True parameters (per channel in the order of ``channels``) and contributions.

    ``media_params`` holds the parameters of the simulated ``adstock`` and ``saturation``
    components by name (e.g. ``decay``, ``half_saturation``, ``slope``; also readable as
    attributes); those measured in spend (``half_saturation``, ``lam``) are in units of the
    channel's mean spend over all weeks (the model measures spend in on-week mean spend:
    ``budget.synthetic.truth_fit`` converts; the two agree for channels that spend every
    week); ``beta`` is the weekly contribution at full saturation, in outcome units.
    """

    channels: tuple[str, ...]
    patterns: tuple[str, ...]
    roi: tuple[float, ...]
    beta: tuple[float, ...]
    mean_spend: tuple[float, ...]
    baseline: float
    trend: float  # change of the baseline over the window, outcome units
    control_coef: tuple[float, ...]  # outcome units per unit of each control
    sigma: float
    l_max: int
    contributions: pd.DataFrame  # index date, one column per component
    adstock: str = "geometric"
    saturation: str = "hill"
    media_params: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def __getattr__(self, name: str):  # truth.decay, truth.half_saturation, ...
        params = self.__dict__.get("media_params", {})
        if name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def _params(self, j: int, n: int) -> dict[str, np.ndarray]:
        return {k: expand(np.full(n, v[j]), (D.CHANNEL,)) for k, v in self.media_params.items()}

    def steady_response(self, channel: str, weekly_spend) -> np.ndarray:
        """True weekly contribution of ``channel`` once ``weekly_spend`` (user units, array)
        has been spent every week for ``l_max`` weeks, by the simulator's own equations."""
        j = self.channels.index(channel)
        x = np.asarray(weekly_spend, dtype=float).reshape(-1) / self.mean_spend[j]
        adstock = components.adstock(self.adstock)
        n_lags = adstock.n_lags(self.l_max)
        p = self._params(j, len(x))
        lagged = expand(np.tile(x, (n_lags, 1)), (D.DATE, D.CHANNEL))
        settled = adstock.forward(lagged, p, n_lags, D.FORWARD_LAYOUT.index(D.DATE))
        h = components.saturation(self.saturation).forward(settled[:, :, -1:], p)
        return self.beta[j] * np.ravel(h)

    def lift(self, channel: str, spend, delta_spend) -> np.ndarray:
        """True steady-state lift of changing ``channel``'s weekly spend from ``spend`` by
        ``delta_spend`` (what a lift test of :mod:`bayes_mmm.data.lift` measures)."""
        spend = np.asarray(spend, dtype=float)
        after = self.steady_response(channel, spend + delta_spend)
        return after - self.steady_response(channel, spend)

    def roi_series(self) -> pd.Series:
        return pd.Series(self.roi, index=list(self.channels), name="roi")

    def to_dict(self) -> dict:
        d = asdict(self)
        c = self.contributions
        d["contributions"] = {
            "dates": [t.date().isoformat() for t in c.index],
            **{k: c[k].tolist() for k in c.columns},
        }
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict) -> Truth:
        d = dict(d)
        c = dict(d.pop("contributions"))
        d.setdefault("media_params", {})
        for name in (D.DECAY, D.HALF_SAT, D.SLOPE):  # files written before media_params
            if name in d:
                d["media_params"][name] = d.pop(name)
        d["media_params"] = {k: tuple(v) for k, v in d["media_params"].items()}
        dates = pd.DatetimeIndex(pd.to_datetime(c.pop("dates")), name="date")
        tuples = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        return cls(**tuples, contributions=pd.DataFrame(c, index=dates))
