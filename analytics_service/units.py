"""Units and conversion factors: the one place a quantity becomes kilograms.

`Kg` counts as it is and `Tons` (metric tonnes) x 1000; `Liters` are kept
apart as volume and turned into kilograms at query time, with the density of
the collection's waste type (CONVERSION_FACTORS.md: the EPA 2016 defaults,
which an operator may override). A unit this module does not know, or a
quantity beyond the collections service's bounds (data stored before they
existed), is never guessed: the collection is counted, its quantity left out
of every figure, and an error is logged.
"""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

KG_PER_MASS_UNIT = {"Kg": 1.0, "Tons": 1000.0}
VOLUME_UNIT = "Liters"
UNITS = (*KG_PER_MASS_UNIT, VOLUME_UNIT)
WASTE_TYPES = ("Organic", "Plastic", "Paper", "Metal", "Glass", "Electronic")
STATUSES = ("Pending", "Completed")

# CONVERSION_FACTORS.md: US EPA ORCR "Volume-to-Weight Conversion Factors"
# (April 2016), lb/yd3 x 0.000593276. Electronic has no published factor.
EPA_2016_KG_PER_LITER = {
    "Organic": 0.2349,
    "Plastic": 0.0237,
    "Paper": 0.1454,
    "Metal": 0.1335,
    "Glass": 0.2254,
}
EPA_2016_SOURCE = 'US EPA ORCR, "Volume-to-Weight Conversion Factors", April 2016 (defaults)'

# The collections service's bounds (API.md, "Bounds"): about 1,000 tonnes.
MAX_KG = 1_000_000.0
MAX_LITERS = 1_000_000.0
# Denser than anything thrown away (lead is 11.3 kg/L): a larger factor is a typo.
MAX_KG_PER_LITER = 25.0


def measures(collection_id: int, quantity: float, unit: str) -> tuple[float, float]:
    """A collection's (kilograms, litres); both 0 when its quantity cannot be
    measured (an unknown unit, or beyond the bounds), which is logged."""
    if unit in KG_PER_MASS_UNIT:
        kilograms = quantity * KG_PER_MASS_UNIT[unit]
        if _plausible(kilograms, MAX_KG):
            return kilograms, 0.0
    elif unit == VOLUME_UNIT and _plausible(quantity, MAX_LITERS):
        return 0.0, quantity
    log.error(
        "collection %s: %r %s cannot be measured; it is counted, its quantity left out",
        collection_id,
        quantity,
        unit,
    )
    return 0.0, 0.0


def _plausible(value: float, limit: float) -> bool:
    return math.isfinite(value) and 0 < value <= limit


def valid_factor(factor) -> bool:
    """A kg-per-litre override: a number in (0, MAX_KG_PER_LITER], or None for none."""
    if factor is None:
        return True
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        return False
    return 0 < factor <= MAX_KG_PER_LITER


@dataclass
class Totals:
    """Collections, kilograms of mass and litres per waste type, added up."""

    collections: int = 0
    mass_kg: float = 0.0
    volume_l: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, waste_type: str, collections: int, mass_kg: float, volume_l: float) -> None:
        self.collections += collections
        self.mass_kg += mass_kg
        self.volume_l[waste_type] += volume_l


class Kilograms:
    """Turns totals into kilograms with the configured factors, saying which."""

    def __init__(self, kg_per_liter: dict[str, float], source: str):
        self.factors = kg_per_liter
        self.source = source

    def of(self, totals: Totals) -> float:
        converted = sum(
            v * self.factors[t] for t, v in totals.volume_l.items() if t in self.factors
        )
        return round(totals.mass_kg + converted, 6)

    def unconverted(self, totals: Totals) -> dict[str, float]:
        return {t: round(v, 6) for t, v in totals.volume_l.items() if t not in self.factors and v}

    def described(self) -> dict:
        return {
            "tons_to_kg": int(KG_PER_MASS_UNIT["Tons"]),
            "kg_per_liter": {t: self.factors.get(t) for t in WASTE_TYPES},
            "source": self.source,
        }
