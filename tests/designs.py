"""The simulated four-channel design shared by the statistical tests (recovery, weekly
contributions, budget decisions), and the full-length fit they all use."""

from __future__ import annotations

import warnings

import bayes_mmm as bm

CHANNELS = ["tv", "search", "social", "display"]
PATTERNS = ["always_on", "always_on", "flighted", "always_on"]
DESIGN = dict(
    decay=[0.6, 0.2, 0.4, 0.3],
    half_saturation=[1.0, 0.8, 1.2, 1.5],
    slope=[1.5, 1.2, 2.0, 1.0],
    mean_spend=[1500, 800, 700, 500],
    media_share=0.45,
    noise=0.04,
    spend_variability=0.7,
)


def four_channels(roi: list[float], seed: int, **changes) -> bm.Simulation:
    """156 weeks of tv / search (always on), social (flighted), display (always on)."""
    return bm.simulate(156, CHANNELS, PATTERNS, roi=roi, seed=seed, **{**DESIGN, **changes})


def full_fit(data: bm.MMMData, seed: int = 1, spec: bm.ModelSpec | None = None) -> bm.MMMFit:
    """The model (default: the default one) at 4 chains x 1000 draws (what the statistical
    claims are about)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SamplingWarning)
        return bm.fit(data, spec, chains=4, draws=1000, tune=1000, seed=seed, progress=False)
