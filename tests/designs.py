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


def true_geo_media(sim: bm.Simulation):
    """The simulator's geo media model, written out independently of the package's forward
    passes: ``(beta (geo, channel), h)`` with ``h(spend (geo, date, channel))`` the saturated
    adstocked spend in the simulator's own units (size = population / 100,000, spend over its
    mean), ``beta`` the true weekly effect at saturation (ROI x spend / sum h over the data)."""
    import numpy as np

    from bayes_mmm.model import components
    from bayes_mmm.model import dims as D
    from bayes_mmm.model.components.base import expand

    t = sim.truth
    frame = sim.frame.sort_values(["geo", "date"])
    spend = frame[list(t.channels)].to_numpy(float).reshape(len(t.geos), -1, len(t.channels))
    sizes, unit = t.population / 100_000.0, spend.mean(axis=(0, 1))
    ads, sat = components.adstock("geometric"), components.saturation("hill")
    p = {k: expand(v, (D.CHANNEL,)) for k, v in t.media_params.items()}
    n_lags, axis = ads.n_lags(8), D.FORWARD_LAYOUT.index(D.DATE)

    def h(x: np.ndarray) -> np.ndarray:
        rel = x / (sizes[:, None, None] * unit)
        return sat.forward(ads.forward(rel[None], p, n_lags, axis), p)[0]

    return t.roi_geo * spend.sum(axis=1) / h(spend).sum(axis=1), h, spend, n_lags
