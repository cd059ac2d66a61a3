"""A markdown pipe table for benchmark reports (no tabulate dependency)."""

from __future__ import annotations

import pandas as pd


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (floats to 3 significant digits)."""
    cells = [[f"{v:.3g}" if isinstance(v, float) else str(v) for v in r] for r in df.values]
    head = "| " + " | ".join(map(str, df.columns)) + " |\n|" + "---|" * len(df.columns)
    return "\n".join([head, *("| " + " | ".join(r) + " |" for r in cells)])
