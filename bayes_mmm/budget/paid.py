"""The paid part of a fit: the optimizer plans spend, so organic channels (exposure without
spend, :mod:`bayes_mmm.data.inputs`) are left out of it. The model is additive, so their
contribution does not depend on the plan and dropping them changes no plan's increment."""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

from bayes_mmm.budget.objectives import Objective
from bayes_mmm.inference.fit import MMMFit
from bayes_mmm.model import dims as D


def paid_only(fit: MMMFit) -> MMMFit:
    """``fit`` restricted to its paid channels (``fit`` itself when it has no organic ones)."""
    data = fit.data
    if not data.organic:
        return fit
    keep = list(data.paid_channels)
    idx = [data.channels.index(c) for c in keep]
    sub = dataclasses.replace(
        data,
        spend=np.ascontiguousarray(data.spend[:, idx]),
        channels=tuple(keep),
        organic=(),
        paid_spend=None if data.paid_spend is None else data.paid_spend[:, idx],
        lift_tests=None,
    )
    groups = {
        "posterior": fit.posterior.sel({D.CHANNEL: keep}),
        "sample_stats": fit.idata["sample_stats"].to_dataset(),
    }
    tree = xr.DataTree.from_dict(groups)
    tree.attrs.update(fit.idata.attrs)
    return MMMFit(tree, sub, fit.spec, fit.priors, fit.diagnostics)


def resolve_objective(objective: Objective, fit: MMMFit, horizon: int) -> Objective:
    """``revenue`` / ``profit`` without a value take the data's revenue per KPI (its mean
    over the last ``horizon`` periods)."""
    if objective.kind not in ("revenue", "profit") or objective.param is not None:
        return objective
    rpk = fit.data.revenue_per_kpi
    if rpk is None:
        raise ValueError(
            f"objective '{objective.kind}' needs a value per unit of outcome: write "
            f"{objective.kind}:VALUE, or fit with revenue per KPI (--revenue-per-kpi)"
        )
    return Objective(objective.kind, float(np.mean(rpk[-horizon:])))
