"""Model components and their registry: an adstock or a saturation is one module in
``adstock/`` or ``saturation/`` (copy ``saturation/logistic.py`` to add one) plus one
registration line below. ``ModelSpec(adstock=..., saturation=...)``, the command line's
``--adstock``/``--saturation``, spec files and ``checking.default_variants`` find them here.
"""

from __future__ import annotations

from bayes_mmm.model.components.adstock.delayed import DelayedAdstock
from bayes_mmm.model.components.adstock.geometric import GeometricAdstock
from bayes_mmm.model.components.adstock.none import NoAdstock
from bayes_mmm.model.components.base import Adstock, Param, Saturation
from bayes_mmm.model.components.saturation.hill import HillSaturation
from bayes_mmm.model.components.saturation.logistic import LogisticSaturation
from bayes_mmm.model.components.saturation.michaelis_menten import MichaelisMentenSaturation

ADSTOCKS: dict[str, Adstock] = {}
SATURATIONS: dict[str, Saturation] = {}


def register(component: Adstock | Saturation) -> None:
    """Make ``component`` selectable by its name (``ModelSpec``, CLI, spec files)."""
    registry = ADSTOCKS if isinstance(component, Adstock) else SATURATIONS
    registry[component.name] = component


register(GeometricAdstock())
register(DelayedAdstock())
register(NoAdstock())
register(HillSaturation())
register(MichaelisMentenSaturation())
register(LogisticSaturation())


def adstock(name: str) -> Adstock:
    if name not in ADSTOCKS:
        raise ValueError(f"adstock must be one of {sorted(ADSTOCKS)}, got {name!r}")
    return ADSTOCKS[name]


def saturation(name: str) -> Saturation:
    if name not in SATURATIONS:
        raise ValueError(f"saturation must be one of {sorted(SATURATIONS)}, got {name!r}")
    return SATURATIONS[name]


__all__ = ["ADSTOCKS", "SATURATIONS", "Adstock", "Param", "Saturation", "adstock", "register"]
__all__ += ["saturation"]
