"""HTML from the sections' data: a Jinja2 environment over the package's templates, figures
embedded as base64 PNG and the stylesheet inline, so the file needs no network."""

from __future__ import annotations

import base64
import io
import math
from functools import cache

import jinja2
from matplotlib.figure import Figure

DPI = 90  # figures are drawn for a ~1100 px column; 90 dpi keeps the file small and sharp


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def number(x, digits: int = 3) -> str:
    """Readable magnitude: thousands separators from 1000 on, else ``digits`` significant
    figures; an en dash for a missing value."""
    if _missing(x):
        return "–"
    x = float(x)
    if abs(x) < 1e-6:  # a solver's zero (1e-12) reads as zero
        return "0"
    return f"{x:,.0f}" if abs(x) >= 10 ** (digits - 1) else f"{x:.{digits}g}"


def fixed(x, digits: int = 2) -> str:
    if _missing(x):
        return "–"
    return f"{float(x):,.{digits}f}"


def percent(x, digits: int = 0) -> str:
    if _missing(x):
        return "–"
    text = f"{100 * float(x):.{digits}f}"
    return (text.lstrip("-") if float(text) == 0 else text) + "%"  # no "-0%"


def png(fig: Figure, dpi: int = DPI) -> dict:
    """A figure as a ``data:`` URI with its pixel size."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return png_image(buf.getvalue(), tuple(fig.get_size_inches()))


def png_image(data: bytes, size_inches: tuple[float, float], dpi: int = DPI) -> dict:
    """PNG bytes already drawn (e.g. the plots/*.png files, at a higher dpi) as a ``data:``
    URI shown at the size the report gives its figures (``dpi`` pixels per inch)."""
    width, height = (round(v * dpi) for v in size_inches)
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return {"src": uri, "width": width, "height": height}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bayes_mmm.htmlreport", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    helpers = {"num": number, "fixed": fixed, "pct": percent}
    env.filters.update(helpers)
    env.globals.update(helpers)  # the macros call them as functions
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
