"""Recovery of the geo model on simulated geo data with known truth, side by side with the
same data summed to one national series (the reason to model geos).

The design makes geo data informative in the way real geo data are (Meridian's 40-geo sample:
most week-to-week spend moves are a geo's own): each geo moves its budgets on its own
(``national_share=0``), so the summed national series keeps little of the spend variation
and the geo model has far more to learn from. It breaks if the geo model mis-scales geos,
loses the per-geo spend variation, or reports national ROI as anything but the total
contribution over geos / total spend (the simulator's truth)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_mmm.analysis.geo import geo_roi_draws
from bayes_mmm.analysis.roi import roi_draws
from bayes_mmm.data.dataset import from_frame
from bayes_mmm.data.simulate_geo import simulate_geo
from bayes_mmm.inference.fit import fit

pytestmark = pytest.mark.slow

SIM = dict(n_geos=6, n_weeks=78, channels=("tv", "search"), roi=(2.0, 1.2), seed=11)
SAMPLE = dict(chains=4, draws=500, tune=500, seed=2, progress=False)


def _interval(da):
    q = da.quantile([0.05, 0.95], dim=("chain", "draw")).values
    return q[0], q[1], da.mean(("chain", "draw")).values


@pytest.fixture(scope="module")
def fits():
    sim = simulate_geo(national_share=0.0, **SIM)
    geo = fit(sim.to_data(), **SAMPLE)
    national = from_frame(sim.national_frame(), date="date", target="sales",
                          channels=sim.channels, controls=["promo"])  # fmt: skip
    return sim, geo, fit(national, **SAMPLE)


def test_geo_fit_is_healthy(fits):
    _, geo, _ = fits
    assert geo.diagnostics.divergences == 0
    assert geo.diagnostics.max_r_hat < 1.02  # short chains


def test_national_roi_inside_intervals_and_closer_than_aggregated(fits):
    sim, geo, agg = fits
    truth = sim.truth.roi
    lo, hi, mean = _interval(geo_roi_draws(geo, geo="national"))
    assert np.all((lo <= truth) & (truth <= hi)), (lo, truth, hi)
    _, _, agg_mean = _interval(roi_draws(agg))
    geo_err = np.abs(mean - truth) / truth
    agg_err = np.abs(agg_mean - truth) / truth
    assert geo_err.sum() < agg_err.sum(), (geo_err, agg_err)
    assert geo_err.max() < 0.3, geo_err


def test_geo_channel_roi_coverage(fits):
    sim, geo, _ = fits
    roi = geo_roi_draws(geo).sel(geo=list(sim.truth.geos))
    lo, hi, _ = _interval(roi)
    covered = (lo <= sim.truth.roi_geo) & (sim.truth.roi_geo <= hi)
    assert covered.mean() >= 0.75, covered  # 12 geo x channel cases, 90% intervals
