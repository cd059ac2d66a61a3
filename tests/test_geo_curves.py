"""Response curves and marginal ROI per geo (analysis/geo_curves.py): a national fit's
national row is the national analysis; a geo fit's national row is the sum over geos; and on
simulated geo data with known truth the per-cell slopes and marginal ROI order the geo x
channel cells like the truth (wrong wiring, e.g. geos swapped, would break it)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_mmm.analysis.curves import response_curves
from bayes_mmm.analysis.geo_curves import (
    geo_mroi_draws,
    geo_mroi_table,
    geo_response_curves,
    geo_response_table,
)
from bayes_mmm.analysis.mroi import mroi_draws
from bayes_mmm.analysis.summary import summarise
from bayes_mmm.data.simulate_geo import simulate_geo
from bayes_mmm.inference.fit import fit
from bayes_mmm.model import components
from bayes_mmm.model import dims as D
from bayes_mmm.model.components.base import expand


def test_national_fit_rows_equal_the_national_analysis(demo_fit):
    curves = geo_response_curves(demo_fit, max_multiple=2.0, n_points=9, ci_prob=0.8)
    assert list(curves[D.GEO].values) == ["national"]
    nat = summarise(response_curves(demo_fit, max_multiple=2.0, n_points=9), 0.8)
    for name in ("mean", "lower", "upper"):
        np.testing.assert_allclose(curves[name].sel(geo="national").values,
                                   nat[name].values, rtol=1e-9, atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(curves["weekly_spend"].sel(geo="national").values,
                               nat["weekly_spend"].values, rtol=1e-12)  # fmt: skip
    mroi = geo_mroi_draws(demo_fit, geo="national")
    np.testing.assert_allclose(mroi.values, mroi_draws(demo_fit).values, rtol=1e-9)


@pytest.fixture(scope="module")
def small_geo_fit():
    sim = simulate_geo(n_geos=3, n_weeks=60, channels=("tv", "search", "social"), seed=4)
    return fit(sim.to_data(), chains=2, draws=40, tune=60, seed=3, progress=False)


def test_geo_rows_national_first_and_national_is_the_sum(small_geo_fit):
    f = small_geo_fit
    curves = geo_response_curves(f, n_points=5)
    assert list(curves[D.GEO].values) == ["national", "geo00", "geo01", "geo02"]
    geos = curves.sel(geo=["geo00", "geo01", "geo02"])
    np.testing.assert_allclose(curves["mean"].sel(geo="national"), geos["mean"].sum(D.GEO))
    np.testing.assert_allclose(curves["weekly_spend"].sel(geo="national"),
                               geos["weekly_spend"].sum(D.GEO))  # fmt: skip
    assert (curves["lower"] <= curves["mean"] + 1e-9).all()
    assert float(np.abs(curves["mean"].isel(spend_multiple=0)).max()) == 0.0
    one = geo_response_curves(f, geo="geo01", n_points=5)
    np.testing.assert_allclose(one["mean"], curves["mean"].sel(geo="geo01"))
    table = geo_response_table(f, curves=curves)
    assert list(table.columns) == ["geo", "channel", "spend_multiple", "weekly_spend", "mean",
                                   "lower", "upper"]  # fmt: skip
    assert table.geo.iloc[0] == "national" and len(table) == 4 * 3 * 5
    mroi = geo_mroi_table(f)
    assert list(mroi.geo.unique()) == ["national", "geo00", "geo01", "geo02"]
    draws = geo_mroi_draws(f)
    share = f.data.geo_spend.sum(axis=1) / f.data.geo_spend.sum(axis=(0, 1))
    weighted = (draws.sel(geo=["geo00", "geo01", "geo02"]) * share).sum(D.GEO)
    np.testing.assert_allclose(draws.sel(geo="national"), weighted, rtol=1e-9)
    one = geo_mroi_table(f, geo="geo02")
    np.testing.assert_allclose(one.mroi_mean, mroi[mroi.geo == "geo02"].mroi_mean)
    with pytest.raises(ValueError, match="geo 'nowhere' is not in the fit"):
        geo_mroi_table(f, geo="nowhere")


# ---- known truth -------------------------------------------------------------------------
SIM = dict(n_geos=6, n_weeks=78, channels=("tv", "search"), roi=(2.0, 1.2), roi_geo_sd=0.5,
           national_share=0.0, seed=11)  # fmt: skip


def _true_slopes(sim, l_max: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The simulator's ``(geo, channel)`` marginal ROI (one more unit in every week, over
    the window plus carryover, per unit) and steady-state slope at the mean weekly spend,
    by finite differences of its own media formula (geometric adstock, Hill)."""
    truth, chans = sim.truth, list(sim.truth.channels)
    frame = sim.frame.sort_values(["geo", "date"])
    spend = frame[chans].to_numpy().reshape(len(truth.geos), -1, len(chans))
    size = truth.population / truth.population.mean()
    unit = size[:, None, None] * spend.mean(axis=(0, 1))[None, None, :]
    ads, sat = components.adstock("geometric"), components.saturation("hill")
    p = {k: expand(v, (D.CHANNEL,)) for k, v in truth.media_params.items()}
    axis = D.FORWARD_LAYOUT.index(D.DATE)

    def h(x):  # (geo, date, channel) spend -> saturated adstocked
        return sat.forward(ads.forward((x / unit)[None], p, ads.n_lags(l_max), axis), p)[0]

    beta = truth.roi_geo * spend.sum(axis=1) / h(spend).sum(axis=1)
    tail = np.zeros((spend.shape[0], l_max, spend.shape[2]))
    full, eps = np.concatenate([spend, tail], axis=1), 1e-3 * unit
    bump = np.concatenate([eps * (spend > 0), tail], axis=1)
    mroi = beta * (h(full + bump) - h(full)).sum(axis=1) / (eps[:, 0] * (spend > 0).sum(axis=1))
    mean = spend.mean(axis=1)

    def settled(x):  # (geo, channel) weekly spend -> h at steady state (weights sum to 1)
        return sat.forward((x / unit[:, 0])[None, :, None, :], p)[0, :, 0]

    steady = beta * (settled(mean * 1.001) - settled(mean)) / (0.001 * mean)
    return mroi, steady


def _rank_corr(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def _matches(estimate: np.ndarray, truth: np.ndarray) -> bool:
    """Same order over all geo x channel cells and across geos within each channel, and
    within 50% (posterior means of 300 draws x 2 chains)."""
    within = [_rank_corr(estimate[:, c], truth[:, c]) > 0.6 for c in range(truth.shape[1])]
    return (_rank_corr(estimate.ravel(), truth.ravel()) > 0.8 and all(within)
            and np.allclose(estimate, truth, rtol=0.5))  # fmt: skip


@pytest.mark.slow
def test_slopes_and_mroi_order_geo_cells_like_the_truth():
    sim = simulate_geo(**SIM)
    f = fit(sim.to_data(), chains=2, draws=300, tune=400, seed=5, progress=False)
    true_mroi, true_steady = _true_slopes(sim)
    geos = list(sim.truth.geos)
    mroi = geo_mroi_draws(f).sel(geo=geos).mean(D.SAMPLE_DIMS).values
    curves = geo_response_curves(f, max_multiple=2.0, n_points=41).sel(geo=geos)
    near = curves.sel(spend_multiple=[0.95, 1.05], method="nearest")
    rise = near["mean"].diff(D.SPEND_MULTIPLE).squeeze(D.SPEND_MULTIPLE)
    run = near["weekly_spend"].diff(D.SPEND_MULTIPLE).squeeze(D.SPEND_MULTIPLE)
    slope = (rise / run).transpose(D.GEO, D.CHANNEL).values
    for estimate, truth in ((mroi, true_mroi), (slope, true_steady)):
        assert _matches(estimate, truth), (estimate, truth)
        assert not _matches(estimate[::-1], truth)  # geos swapped: the check fails
