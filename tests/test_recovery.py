"""Recovery of known truth by the default model (real NUTS on simulated data).

Data: 156 weeks, 4 channels (three always-on, one flighted with zero weeks), a promo control,
trend and yearly seasonality, noise 4% of the mean outcome, media 45% of the outcome.
Asserted, at 4 chains x 1000 draws: every channel's 90% ROI interval contains the true ROI;
the posterior-mean ROI is within 20% of the truth for at least 3 of the 4 channels;
0 divergences and max r_hat <= 1.01.

Re-checked over simulator seeds 1-8 with the current defaults (on-week spend unit, ROI prior
sd 0.85; 2026-11-23): every true ROI inside its interval in all 8, 0 divergences, r_hat <=
1.005, min ESS 2263-2938, the flighted channel's interval the narrowest; the 20% error bound
holds for 7 of 8 (seed 4: tv 38% and display 24% off). The test uses seed 1 (errors 0.1%,
11.8%, 4.4%, 9.0%), fixed, so it is deterministic for given package versions.
"""

import numpy as np
import pytest
from designs import four_channels, full_fit

import bayes_mmm as bm

pytestmark = pytest.mark.slow

TRUE_ROI = [1.5, 2.5, 1.0, 0.6]


@pytest.fixture(scope="module")
def recovery():
    sim = four_channels(TRUE_ROI, seed=1)
    return sim, full_fit(sim.to_data())


def test_truth_inside_90_percent_intervals(recovery):
    sim, fit = recovery
    table = bm.roi_table(fit, ci_prob=0.90)
    truth = np.asarray(sim.truth.roi)
    inside = (table.roi_lower.to_numpy() <= truth) & (truth <= table.roi_upper.to_numpy())
    assert inside.all(), table.assign(truth=truth)


def test_posterior_mean_within_20_percent_for_3_of_4(recovery):
    sim, fit = recovery
    table = bm.roi_table(fit)
    truth = np.asarray(sim.truth.roi)
    rel_error = np.abs(table.roi_mean.to_numpy() - truth) / truth
    assert (rel_error <= 0.20).sum() >= 3, rel_error


def test_sampler_clean(recovery):
    _, fit = recovery
    assert fit.diagnostics.divergences == 0
    assert fit.diagnostics.max_r_hat <= 1.01


def test_flighted_channel_is_the_best_identified(recovery):
    """Zero-spend weeks pin down the whole response curve: narrowest relative interval."""
    sim, fit = recovery
    table = bm.roi_table(fit)
    width = (table.roi_upper - table.roi_lower).to_numpy() / np.asarray(sim.truth.roi)
    assert np.argmin(width) == sim.truth.channels.index("social")
