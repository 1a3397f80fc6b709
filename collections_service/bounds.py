"""The plausible range of a collection's values (API.md, "Bounds").

A collection is one load: a bin, a truck, at the very most a barge or a
train of containers. The largest such loads carry about 1,000 tonnes (or
1,000 m3 of loose waste), so anything above that is a typo or a unit
mistake, and one of them would otherwise swamp every total it is part of.
Held to these bounds, the sum of every quantity the database can hold
(2**31 ids x 1,000,000 kg) stays below 2**53 kg: exact to the kilogram in a
double, and never infinite.

Dates run from the Unix epoch (no digital record of a collection is older)
to the end of 2099: enough for scheduled collections, and a period report
over the whole range stays a bounded number of rows.
"""

from datetime import UTC, datetime

from collections_service.models import Unit

MAX_QUANTITY = {Unit.KG: 1_000_000.0, Unit.TONS: 1_000.0, Unit.LITERS: 1_000_000.0}
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Exclusive: a date must come before it.
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

QUANTITY_DESCRIPTION = (
    "Greater than 0; at most "
    + ", ".join(f"{limit:,.0f} {unit.value}" for unit, limit in MAX_QUANTITY.items())
    + " (about 1,000 tonnes: the largest single load an operation records)."
)
DATE_DESCRIPTION = (
    "RFC 3339 with an offset; from 1970-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z."
)


def quantity_error(quantity: float, unit: Unit) -> str | None:
    """Why `quantity` is too large for `unit`, or None when it fits."""
    limit = MAX_QUANTITY[unit]
    if quantity > limit:
        return f"At most {limit:,.0f} {unit.value} (about 1,000 tonnes) in one collection."
    return None


def date_error(moment: datetime) -> str | None:
    """Why `moment` is outside the plausible range, or None when it is inside."""
    if not EARLIEST <= moment < LATEST:
        return "Must be from 1970-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z."
    return None
