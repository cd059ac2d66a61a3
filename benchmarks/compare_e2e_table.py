"""The end-to-end table of ``compare_pymc_marketing.py`` (issue 19): ``bayes-mmm fit`` from
process start to its last file against PyMC-Marketing's fit process (imports, build,
compile, sampling), cold (repetition 1, empty caches) and warm, with both sides' ESS,
r_hat and divergences and the load average (1-min) before each run beside it."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _cell(sub: pd.DataFrame, cold: bool) -> tuple[float, str] | None:
    runs = sub[sub.rep == 1] if cold else sub[sub.rep > 1]
    if runs.empty:
        return None
    t = float(np.median(runs.t_process))
    loads = runs.load_before if "load_before" in runs else runs.load
    return t, "/".join(f"{float(str(x).split()[0]):.1f}" for x in loads)


def end_to_end_table(df: pd.DataFrame, datasets: list[str], ours: str = "bayes_mmm_cli") -> str:
    """Markdown: per data set and PMM model, cold and warm process seconds of both sides
    (load), their ratio, and each side's worst min bulk ESS, max r_hat, divergences."""
    ok = df[df["error"].isna()] if "error" in df else df
    head = (
        "| data set | vs | run | bayes-mmm fit s (load) | PMM s (load) | ratio PMM/ours "
        "| ours min ESS / max r_hat / div | PMM min ESS / max r_hat / div |"
    )
    lines = [head, "|" + "---|" * 8]
    for ds in datasets:
        mine = ok[(ok.dataset == ds) & (ok.model == ours)]
        for model in sorted(m for m in set(ok.model) if m.startswith("pmm")):
            theirs = ok[(ok.dataset == ds) & (ok.model == model)]
            if mine.empty or theirs.empty:
                continue
            for cold in (True, False):
                a, b = _cell(mine, cold), _cell(theirs, cold)
                if a is None or b is None:
                    continue
                diag = [
                    f"{s.min_ess_bulk.min():.0f} / {s.max_r_hat.max():.3f} / "
                    f"{int(s.divergences.max())}"
                    for s in (mine, theirs)
                ]
                lines.append(
                    f"| {ds} | {model} | {'cold' if cold else 'warm'} | {a[0]:.1f} ({a[1]}) | "
                    f"{b[0]:.1f} ({b[1]}) | **{b[0] / a[0]:.1f}x** | {diag[0]} | {diag[1]} |"
                )
    return "\n".join(lines)
