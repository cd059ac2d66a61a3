"""How input problems are reported: one error listing every problem, each naming its rows."""

from __future__ import annotations

from collections.abc import Sequence

MAX_LISTED = 8


class DataValidationError(ValueError):
    """Raised when input data cannot be modeled; ``problems`` lists every issue found."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) found in the input data:\n{lines}")


class DataWarning(UserWarning):
    """Something in the data was fixed or interpreted automatically (e.g. unsorted dates were
    sorted, a text column was read as categorical); the message says what."""


def where(labels: Sequence, values: Sequence | None = None, unit: str = "row") -> str:
    """Short text listing offending row labels (and values), truncated after MAX_LISTED."""
    labels = list(labels)
    shown = labels[:MAX_LISTED]
    if values is None:
        parts = [str(lab) for lab in shown]
    else:
        parts = [f"{lab} ({v!r})" for lab, v in zip(shown, list(values)[:MAX_LISTED], strict=False)]
    more = f" and {len(labels) - MAX_LISTED} more" if len(labels) > MAX_LISTED else ""
    plural = "s" if len(labels) > 1 else ""
    return f"{unit}{plural} {', '.join(parts)}{more}"
