"""Command-line options for media and calendar inputs: ``--media-exposure``, ``--organic``,
``--revenue-per-kpi``, ``--holidays``, ``--events`` (see :mod:`bayes_mmm.data.inputs` and
:mod:`bayes_mmm.data.calendar`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_input_args(g) -> None:
    g.add_argument(
        "--media-exposure",
        default="",
        metavar="SPEND_COL=EXPOSURE_COL,...",
        help="channels whose curve is fitted on exposure (impressions, clicks, GRPs): ROI, "
        "response curves and the optimizer stay in spend through the observed cost per unit "
        "(cost_per_unit.csv shows how it moved)",
    )
    g.add_argument(
        "--organic",
        default="",
        metavar="COLUMNS",
        help="comma-separated exposure columns without spend (newsletter, organic social): "
        "contribution and response curve, no ROI, not in the optimizer",
    )
    g.add_argument(
        "--revenue-per-kpi",
        metavar="VALUE|COLUMN",
        help="revenue of one unit of the outcome (a number, or a column per period): roi.csv "
        "adds revenue_roi_*; the optimizer's 'revenue' objective uses it",
    )
    g.add_argument(
        "--holidays",
        metavar="COUNTRY",
        help="add national holidays of COUNTRY (ISO code, e.g. DE) as the control 'holiday' "
        "(holidays in each period; a period covers [its date, the next period's date))",
    )
    g.add_argument(
        "--events",
        type=Path,
        metavar="CSV",
        help="events file with columns date,name[,end]: one 0/1 control event[NAME] per name",
    )


def _pairs(text: str) -> tuple[dict[str, str], list[str]]:
    out, problems = {}, []
    for item in [s.strip() for s in (text or "").split(",") if s.strip()]:
        spend, sep, exposure = item.partition("=")
        if not sep or not spend.strip() or not exposure.strip():
            problems.append(
                f"--media-exposure {item!r}: write SPEND_COL=EXPOSURE_COL, e.g. fb_S=fb_I"
            )
            continue
        out[spend.strip()] = exposure.strip()
    return out, problems


def _revenue(text: str | None) -> float | str | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text.strip()


def input_problems(args: argparse.Namespace) -> list[str]:
    return _pairs(getattr(args, "media_exposure", ""))[1]


def input_options(args: argparse.Namespace) -> dict:
    """Keyword arguments of :func:`bayes_mmm.data.dataset.read_csv` from the options."""
    from bayes_mmm.cli.common import names

    return {
        "exposure": _pairs(args.media_exposure)[0],
        "organic": names(args.organic),
        "revenue_per_kpi": _revenue(args.revenue_per_kpi),
        "holidays": args.holidays,
        "events": args.events,
    }
