"""Which table answers a question: the coarsest that can answer it exactly.

A question is filters (a time range, places, waste types, statuses) and
what to group by (month, day, location, waste_type, status). The tables,
coarsest first (rollups.py):

| table          | time grain | places | kept always |
| -------------- | ---------- | ------ | ----------- |
| monthly_totals | UTC month  | no     | no: while in step with the replica |
| place_totals   | UTC month  | yes    | no: likewise |
| daily_totals   | UTC day    | no     | yes |
| facts          | the moment | yes    | yes |

A table can answer when the range's ends fall on its grain (a month's first
moment for the monthly ones, a UTC midnight for the daily one), it can group
by what is asked (days are not in a monthly table; days in another zone than
UTC only in the facts), and it has places if the question is about them.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, bindparam, func, select

from analytics_service.local_time import UTC_ZONE, is_utc, local_date
from analytics_service.models import DailyTotal, Fact, MonthlyTotal, PlaceTotal
from analytics_service.rollups import month_of

MONTH, DAY, MOMENT = "month", "day", "moment"


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None
    end: datetime | None = None
    locations: frozenset[str] | None = None  # None: any; a zone filter narrows it
    waste_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    # Whether the monthly rollups are in step with the replica (rollups.py).
    monthly: bool = True


@dataclass(frozen=True)
class Source:
    model: type
    grain: str
    places: bool


SOURCES = (
    Source(MonthlyTotal, MONTH, places=False),
    Source(PlaceTotal, MONTH, places=True),
    Source(DailyTotal, DAY, places=False),
    Source(Fact, MOMENT, places=True),
)


def grouped(
    connection: Connection, filters: Filters, by: tuple[str, ...], zone: ZoneInfo = UTC_ZONE
) -> list:
    """Collections, mass and volume summed per `by` (names among month, day,
    location, waste_type, status; months and days are `zone`'s)."""
    source = choose(filters, by, zone)
    statement = _statement(
        source,
        by,
        zone.key,
        filters.start is not None,
        filters.end is not None,
        filters.locations is not None,
        bool(filters.waste_types),
        bool(filters.statuses),
    )
    values = {
        "start": _bound(source, filters.start),
        "end": _bound(source, filters.end),
        "locations": sorted(filters.locations or ()),
        "waste_types": list(filters.waste_types),
        "statuses": list(filters.statuses),
    }
    return connection.execute(statement, values).all()


@functools.lru_cache(maxsize=512)
def _statement(
    source: Source,
    by: tuple[str, ...],
    zone: str,
    start: bool,
    end: bool,
    locations: bool,
    waste_types: bool,
    statuses: bool,
) -> Select:
    """The statement for a question's shape, built once: its values are
    parameters (building and caching one costs more than running it)."""
    model = source.model
    keys = [_key(source, name, ZoneInfo(zone)) for name in by]
    if model is Fact:
        measures = (func.count(), func.sum(Fact.mass_kg), func.sum(Fact.volume_l))
    else:
        measures = (func.sum(model.collections), func.sum(model.mass_kg), func.sum(model.volume_l))
    statement = select(*keys, *measures).group_by(*keys)
    if model is not Fact:
        # A row whose collections were all deleted stays, at zero: it is no
        # data, and must not stretch a series' default span.
        statement = statement.where(model.collections > 0)
    time = getattr(model, _time(source))
    if start:
        statement = statement.where(time >= bindparam("start"))
    if end:
        statement = statement.where(time < bindparam("end"))
    for wanted, column, values in (
        (locations, "location", "locations"),
        (waste_types, "waste_type", "waste_types"),
        (statuses, "status", "statuses"),
    ):
        if wanted:
            statement = statement.where(
                getattr(model, column).in_(bindparam(values, expanding=True))
            )
    return statement


def choose(filters: Filters, by: tuple[str, ...], zone: ZoneInfo = UTC_ZONE) -> Source:
    """The coarsest source that answers exactly (the facts answer anything)."""
    about_places = filters.locations is not None or "location" in by
    for source in SOURCES:
        if source.model in (MonthlyTotal, PlaceTotal) and not filters.monthly:
            continue
        if about_places and not source.places:
            continue
        if not all(_on_grain(moment, source.grain) for moment in (filters.start, filters.end)):
            continue
        if "day" in by and source.grain == MONTH:
            continue
        periods = "day" in by or "month" in by
        if periods and not is_utc(zone) and source.grain != MOMENT:
            continue
        return source
    raise AssertionError("the facts answer every question")


def _on_grain(moment: datetime | None, grain: str) -> bool:
    if moment is None or grain == MOMENT:
        return True
    midnight = moment.time() == datetime.min.time()
    return midnight and (grain == DAY or moment.day == 1)


def _key(source: Source, name: str, zone: ZoneInfo):
    model = source.model
    if name == "day" and model is Fact and not is_utc(zone):
        return local_date(Fact.collected_date, zone.key)
    if name == "month" and source.grain != MONTH:
        day = local_date(Fact.collected_date, zone.key) if not is_utc(zone) else model.day
        return month_of(day)
    return getattr(model, name)


def _time(source: Source):
    return {MONTH: "month", DAY: "day", MOMENT: "collected_date"}[source.grain]


def _bound(source: Source, moment: datetime | None) -> date | datetime | None:
    if moment is None or source.grain == MOMENT:
        return moment
    return moment.date()
