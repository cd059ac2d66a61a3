"""Simulated data with media given as exposure (a changing cost per unit) and organic media,
with known truth: wraps :func:`bayes_mmm.data.simulate.simulate`.

The simulator's media columns are the media input of the true model. Here some of them are
exposure (impressions): each gets a spend column ``exposure x cpu_t`` whose cost per unit
``cpu_t`` drifts over the window (by ``cpu_drift``: the last period's cost per unit is
``exp(cpu_drift)`` x the first's), and some are organic (exposure, no spend). The true ROI in
money is the true contribution over the window / the total spend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.data.dataset import MMMData, from_frame
from bayes_mmm.data.simulate import Simulation, simulate


@dataclass(frozen=True)
class InputsSimulation:
    """The table, the simulator's truth and how its media columns are to be read."""

    sim: Simulation
    frame: pd.DataFrame
    channels: tuple[str, ...]  # paid channels: spend columns
    exposure: dict[str, str]  # spend column -> exposure column
    organic: tuple[str, ...]
    roi: dict[str, float]  # true ROI in money per unit of spend (paid channels)
    contribution: dict[str, float]  # true total contribution over the window (every channel)

    def to_data(self, **options) -> MMMData:
        controls = [c for c in self.sim.controls if c in self.frame.columns]
        return from_frame(
            self.frame,
            date=self.sim.date,
            target=self.sim.target,
            channels=self.channels,
            controls=controls,
            exposure=self.exposure,
            organic=self.organic,
            **options,
        )


def simulate_inputs(
    channels: Sequence[str] = ("tv", "search"),
    exposure: Mapping[str, float] | None = None,
    organic: Sequence[str] = (),
    *,
    roi: Mapping[str, float] | None = None,
    cpu_drift: float = 1.0,
    seed: int = 0,
    **options,
) -> InputsSimulation:
    """Simulate ``channels`` (spend) plus, per ``exposure`` entry ``{channel: average cost per
    unit}``, a channel given as impressions with a drifting cost per unit, plus ``organic``
    channels; ``options`` go to :func:`~bayes_mmm.data.simulate.simulate`. ``roi``: money ROI
    per paid channel (about; default 1.5) and outcome per unit of exposure per organic
    channel (default 1)."""
    exposure = dict(exposure or {"social": 0.01})
    names = [*channels, *exposure, *organic]
    given = dict(roi or {})
    sim_roi = [given.get(c, 1.5 if c not in organic else 1.0) * exposure.get(c, 1.0) for c in names]
    sim = simulate(channels=names, seed=seed, roi=sim_roi, **options)
    frame = sim.frame.copy()
    n = len(frame)
    rng = np.random.default_rng(seed + 1)
    mapping, contrib = {}, {}
    for ch in names:
        contrib[ch] = float(sim.truth.contributions[ch].sum())
    roi = {ch: float(sim.truth.roi[names.index(ch)]) for ch in channels}
    for ch, cpu in exposure.items():
        drift = np.exp(cpu_drift * (np.arange(n) / max(n - 1, 1) - 0.5))
        cpu_t = cpu * drift * np.exp(rng.normal(0, 0.05, n))
        impressions = frame[ch].to_numpy(float)
        exp_col = f"{ch}_impressions"
        frame[exp_col] = impressions
        frame[ch] = impressions * cpu_t
        mapping[ch] = exp_col
        roi[ch] = contrib[ch] / float(frame[ch].sum())
    return InputsSimulation(
        sim=sim,
        frame=frame,
        channels=(*channels, *exposure),
        exposure=mapping,
        organic=tuple(organic),
        roi=roi,
        contribution=contrib,
    )
