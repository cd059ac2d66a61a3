"""A markdown pipe table for benchmark reports (no tabulate dependency)."""

from __future__ import annotations

import pandas as pd


def markdown(df: pd.DataFrame, fmt: str = ".3g", index: bool = False) -> str:
    """A pipe table: floats as ``fmt`` (3 significant digits by default), missing values
    empty; ``index=True`` puts the index first (headed by its name)."""
    if index:
        df = df.reset_index(names=df.index.name or "")

    def cell(v) -> str:
        return "" if pd.isna(v) else f"{v:{fmt}}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |\n|" + "---|" * len(df.columns)
    rows = ("| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False))
    return "\n".join([head, *rows])
