"""``report.html`` of a geo fit: the national answer (ROI and marginal ROI, media share), the
model's health (sampler, fit per geo), ROI per geo, and the geo figures already drawn as
``plots/*.png``. Built from the tables ``export_geo`` computed once (no second pass)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.analysis.contributions import media_share
from bayes_mmm.data.geo import NATIONAL
from bayes_mmm.experiments.lift import lift_table
from bayes_mmm.htmlreport import render
from bayes_mmm.htmlreport.health import (
    COVERAGE_SLACK,
    PPC_ADVICE,
    PPC_REVIEW,
    Check,
    fit_check,
    holdout_grade,
    ppc_check,
    sampler_checks,
)
from bayes_mmm.htmlreport.sections import budget, data_meta, health_card, records
from bayes_mmm.model import dims as D

SHARED_SHOCKS = 0.05  # mean correlation of the geos' forecast errors worth naming
FIGURES = ("contributions", "geo_fit", "ppc", "holdout", "geo_roi", "geo_response_curves",
           "prior_posterior", "allocation", "outcome", "lift_tests")  # fmt: skip


def _fit_by_geo(quality: pd.DataFrame) -> Check:
    """Predictive coverage per geo: the geos whose intervals are too narrow, named."""
    geos = quality[quality[D.GEO] != NATIONAL]
    low = geos[geos["coverage"] < geos["ci_prob"] - COVERAGE_SLACK]
    finding = (
        f"coverage of the predictive interval per geo {geos['coverage'].min():.0%} to "
        f"{geos['coverage'].max():.0%}; R² per geo {geos['r2'].min():.2f} to {geos['r2'].max():.2f}"
    )
    advice = "" if low.empty else "look for events or controls missing in these geos"
    details = [f"{r[D.GEO]}: {r['coverage']:.0%} inside" for r in low.to_dict("records")]
    return Check("Fit per geo", "review" if len(low) else "pass", finding, advice, details)


def _ppc_by_geo(ppc: pd.DataFrame) -> Check:
    """The geos' posterior predictive p-values: beyond [PPC_REVIEW, 1 - PPC_REVIEW] a share
    ``2 x PPC_REVIEW`` of them is expected by chance; three times that is worth a look."""
    geos = ppc[ppc[D.GEO] != NATIONAL]
    tail = np.minimum(geos["p_value"], 1 - geos["p_value"])
    out = geos[tail < PPC_REVIEW]
    share, expected = len(out) / max(len(geos), 1), 2 * PPC_REVIEW
    counts = out["statistic"].value_counts()
    details = [f"{name}: {n} geos" for name, n in counts.items()]
    finding = (f"{len(out)} of {len(geos)} p-values (geo x statistic) beyond [{PPC_REVIEW}, "
               f"{1 - PPC_REVIEW}]; ~{expected:.0%} are expected by chance")  # fmt: skip
    review = share > 3 * expected
    advice = "; ".join(PPC_ADVICE.get(k, k) for k in counts.index[:2]) if review else ""
    return Check("Posterior predictive check per geo", "review" if review else "pass", finding,
                 advice, details)  # fmt: skip


def _holdout(holdout) -> Check:
    """The national forecast's scores graded; the geos whose held-out weeks fall outside
    the predictive interval too often, named."""
    m = holdout.metrics
    check = holdout_grade(m, "Holdout accuracy (national)")
    geos = holdout.table.iloc[1:]
    low = geos[geos["coverage"] < geos["ci_prob"] - COVERAGE_SLACK]
    details = [f"{r[D.GEO]}: {r['coverage']:.0%} inside, MAPE {r['mape']:.1%}"
               for r in low.to_dict("records")]  # fmt: skip
    advice, rho = check.advice, m["geo_error_correlation"]
    shared = holdout.train_fit.spec.geo_noise == "shared"
    if check.status != "pass" and rho > SHARED_SHOCKS and not shared:
        advice = (
            f"the geos' forecast errors move together (mean correlation {rho:.2f} over "
            "pairs of geos): the model's noise is independent per geo, so its national "
            "intervals are too narrow when geos share shocks; refit with --geo-noise shared "
            "(a weekly shock common to all geos), or read them as a lower bound"
        )
    return Check(check.name, check.status, check.finding, advice, details)


def _budget(alloc) -> dict | None:
    """The plan's section: the national plan as a national report shows it, and each cell."""
    if alloc is None:
        return None
    cells = alloc.table[alloc.table[D.GEO] != NATIONAL]
    return budget(alloc) | {"cells": records(cells), "by_geo": alloc.by_geo}


def context(fit, roi: pd.DataFrame, shares: xr.Dataset, checked: tuple[pd.DataFrame, ...],
            ci_prob: float, allocation=None, holdout=None) -> dict:  # fmt: skip
    """What ``geo_report.html.j2`` shows but its figures; ``checked``: the fit-quality and
    ppc tables of :class:`~bayes_mmm.analysis.geo_checks.QualityPass`; ``allocation``: a
    :class:`~bayes_mmm.budget.geo_allocation.GeoAllocation` or None; ``holdout``: a
    :class:`~bayes_mmm.analysis.geo_holdout.GeoHoldout` or None."""
    quality, ppc = checked
    national = roi[(roi[D.GEO] == NATIONAL) & roi["roi_mean"].notna()]
    checks = sampler_checks(fit.diagnostics)
    checks.append(fit_check(quality.iloc[0].to_dict(), "Goodness of fit (national)"))
    checks.append(_fit_by_geo(quality))
    checks.append(ppc_check(ppc[ppc[D.GEO] == NATIONAL], "Posterior predictive check (national)"))
    checks.append(_ppc_by_geo(ppc))
    if holdout is not None:
        checks.append(_holdout(holdout))
    data = fit.data
    meta = data_meta(data, ci_prob) | {"channels": list(data.paid_channels), "n_geos": data.n_geos}
    return {
        "meta": meta,
        "headline": {
            "media_share": media_share(shares.sel({D.GEO: NATIONAL}), data.channels, ci_prob),
            "ranked": records(national.sort_values("mroi_mean", ascending=False)),
            "best_roi": records(national.sort_values("roi_mean", ascending=False))[0],
        },
        "health": health_card(checks),
        "by_geo": records(roi[(roi[D.GEO] != NATIONAL) & roi["roi_mean"].notna()]),
        "quality": records(quality),
        "budget": _budget(allocation),
        "lift": records(lift_table(fit, ci_prob)) if data.lift_tests else None,
        "holdout": None if holdout is None else records(holdout.table),
    }


def geo_html(fit, roi: pd.DataFrame, shares: xr.Dataset, checked: tuple[pd.DataFrame, ...],
             ci_prob: float, images: dict, allocation=None, holdout=None) -> str:  # fmt: skip
    """The report as HTML; ``images``: figure name -> (PNG bytes, size in inches)."""
    figures = {name: render.png_image(*images[name]) for name in FIGURES if name in images}
    title = f"Media mix model by geo: {fit.data.target_name}"
    ctx = context(fit, roi, shares, checked, ci_prob, allocation, holdout)
    return render.render("geo_report.html.j2", title=title, figures=figures, **ctx)
