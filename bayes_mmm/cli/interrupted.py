"""``--keep-interrupted``: the draws sampled before Ctrl-C (or SIGTERM), kept on request in
``<out>.interrupted/model.nc`` and marked as such: not a finished fit."""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.data.dataset import MMMData
from bayes_mmm.inference.diagnostics import diagnose
from bayes_mmm.inference.fit import assemble
from bayes_mmm.io import save
from bayes_mmm.model.build import resolve_priors
from bayes_mmm.model.spec import ModelSpec

ATTR_INTERRUPTED = "bayes_mmm_interrupted"


def _complete_draws(posterior: xr.Dataset) -> int:
    """Draws every chain has (a chain cut mid-way is padded with NaN)."""
    finite = [
        np.isfinite(v.values).reshape(v.sizes["chain"], v.sizes["draw"], -1).all(axis=2)
        for v in posterior.data_vars.values()
    ]
    ok = np.logical_and.reduce(finite)
    return int(min(np.cumprod(row).sum() for row in ok))


def keep_draws(err: BaseException, out, data: MMMData, spec: ModelSpec, args) -> str:
    """Save the draws so far carried by ``err`` (nutpie's partial trace); return a sentence
    saying where, or why nothing was kept."""
    trace = getattr(err, "partial_trace", None)
    if trace is None:
        return "no draws were kept (the sampler had not started, or it keeps no partial draws)"
    posterior, stats = trace  # bayes_mmm.inference.samplers.sample_nutpie
    n = _complete_draws(posterior)
    if n < 1:
        return "no draws were kept: sampling was still tuning"
    posterior = posterior.isel(draw=slice(0, n))
    stats = stats.isel(draw=slice(0, n))
    diag = diagnose(posterior, stats, sampling_seconds=0.0, sampler=args.sampler, warn=False)
    result = assemble(posterior, stats, data, spec, resolve_priors(data, spec), diag)
    note = f"interrupted after {n} of {args.draws} draws per chain: not a finished fit"
    result.idata.attrs[ATTR_INTERRUPTED] = note
    out = out.absolute()
    path = save(result, out.with_name(out.name + ".interrupted") / "model.nc")
    return f"the draws so far are kept in {path} ({note}; {diag})"
