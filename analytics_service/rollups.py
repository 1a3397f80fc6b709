"""The rollups: sums of the facts at coarser grains, kept in step with the feed.

Each grain is a table of measures (collections, kg of mass, litres) per key.
A batch of changes adds each fact's measures at its key and takes away those
of the fact it replaces (replica.py), for every grain at once:

- daily: (UTC day, waste type, status); every release keeps it;
- monthly: (UTC month, waste type, status): a summary over everything, a
  monthly series, from a few hundred rows;
- places: (UTC month, place, waste type, status): places and zones over
  everything or whole months, about 150,000 rows at a million collections
  over two years and 500 places, against a million facts.

The two monthly grains came with a later release: an older one applying the
feed beside this one (during a deploy) moves the cursor without them. So
they have a position of their own, are read only while it is the cursor's,
and are built again from the daily rollup and the facts when it is not.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from analytics_service.models import DailyTotal, Fact, FeedCursor, MonthlyTotal, PlaceTotal
from service_kit.data import bulk


class month_of(FunctionElement):
    """month_of(day): the first day of that day's month."""

    type = Date()
    name = "month_of"
    inherit_cache = True


@compiles(month_of, "postgresql")
def _date_trunc(element, compiler, **options) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **options)}) AS DATE)"


@compiles(month_of)
def _start_of_month(element, compiler, **options) -> str:
    return f"date({compiler.process(element.clauses, **options)}, 'start of month')"


@dataclass(frozen=True)
class Grain:
    """A rollup table and the key of a fact in it (its primary key's columns, in order)."""

    table: Table
    key: Callable[[dict], tuple]


DAILY = Grain(DailyTotal.__table__, lambda f: (f["day"], f["waste_type"], f["status"]))
MONTHLY = Grain(
    MonthlyTotal.__table__, lambda f: (f["day"].replace(day=1), f["waste_type"], f["status"])
)
PLACES = Grain(
    PlaceTotal.__table__,
    lambda f: (f["day"].replace(day=1), f["location"], f["waste_type"], f["status"]),
)
GRAINS = (DAILY, MONTHLY, PLACES)

# Measures to add to rollup rows: [collections, kg, litres] by key, per grain.
Deltas = dict[Grain, dict[tuple, list]]


def kept(monthly: bool) -> tuple[Grain, ...]:
    """The grains a batch keeps: all, or the daily alone (the monthly ones
    left behind, to be built again)."""
    return GRAINS if monthly else (DAILY,)


def measure(facts: list[dict], sign: int, grains: tuple[Grain, ...], deltas: Deltas) -> None:
    """Add `sign` times each fact's measures (collections, kg, litres) at
    its key, in each grain's part of `deltas`."""
    for grain in grains:
        by_key = deltas.setdefault(grain, {})
        key = grain.key
        for fact in facts:
            measures = by_key.get(k := key(fact))
            if measures is None:
                measures = by_key[k] = [0, 0.0, 0.0]
            measures[0] += sign
            measures[1] += sign * fact["mass_kg"]
            measures[2] += sign * fact["volume_l"]


def add(session: Session, deltas: Deltas) -> None:
    """Add the measures of `deltas` to each grain's rollup."""
    for grain, by_key in deltas.items():
        rows = [(*k, *measures) for k, measures in by_key.items()]
        bulk.add_to_rows(session, grain.table, "collections", rows)


def rebuild_monthly(session: Session) -> None:
    """Build both monthly grains again, the months from the daily rollup and
    the places from the facts, as of the cursor's position (the caller holds
    the cursor row's lock)."""
    session.execute(delete(MonthlyTotal))
    month = month_of(DailyTotal.day)
    session.execute(
        insert(MonthlyTotal).from_select(
            ["month", "waste_type", "status", "collections", "mass_kg", "volume_l"],
            select(month, DailyTotal.waste_type, DailyTotal.status, *_sums(DailyTotal))
            .where(DailyTotal.collections > 0)
            .group_by(month, DailyTotal.waste_type, DailyTotal.status),
        )
    )
    session.execute(delete(PlaceTotal))
    month = month_of(Fact.day)
    session.execute(
        insert(PlaceTotal).from_select(
            ["month", "location", "waste_type", "status", "collections", "mass_kg", "volume_l"],
            select(
                month,
                Fact.location,
                Fact.waste_type,
                Fact.status,
                func.count(),
                func.sum(Fact.mass_kg),
                func.sum(Fact.volume_l),
            ).group_by(month, Fact.location, Fact.waste_type, Fact.status),
        )
    )
    session.execute(
        update(FeedCursor).where(FeedCursor.id == 1).values(monthly_position=FeedCursor.position)
    )


def _sums(table) -> tuple:
    return func.sum(table.collections), func.sum(table.mass_kg), func.sum(table.volume_l)
