"""Write a fitted model's outputs to a directory (tables, JSON, model file), each atomically."""

from __future__ import annotations

import sys
from pathlib import Path

from bayes_mmm.analysis.params import parameter_summary
from bayes_mmm.analysis.roi import roi_table
from bayes_mmm.fit import MMMFit
from bayes_mmm.io import save, write_csv, write_json

DIAGNOSTIC_KEYS = ("max_r_hat", "min_ess_bulk", "divergences", "steps_per_draw", "sampling_seconds")


def diagnostics_dict(fit: MMMFit) -> dict:
    d = fit.diagnostics.to_dict()
    out = {k: d[k] for k in DIAGNOSTIC_KEYS}
    out.update({k: v for k, v in d.items() if k not in out})
    out["problems"] = fit.diagnostics.problems()
    return out


def write_fit_outputs(
    fit: MMMFit, out_dir: str | Path, ci_prob: float = 0.90, progress: bool = True
) -> list[Path]:
    """Write ``summary.csv``, ``roi.csv``, ``diagnostics.json`` and ``model.nc`` to ``out_dir``."""
    out = Path(out_dir)
    written = [
        write_csv(parameter_summary(fit, ci_prob), out / "summary.csv", index=True),
        write_csv(roi_table(fit, ci_prob), out / "roi.csv"),
        write_json(diagnostics_dict(fit), out / "diagnostics.json"),
        save(fit, out / "model.nc"),
    ]
    if progress:
        for p in written:
            print(f"[bayes_mmm] wrote {p}", file=sys.stderr)
    return written
