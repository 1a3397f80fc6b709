"""A planner's days: the date a moment has in a time zone, computed in SQL.

A series in a zone other than UTC groups each collection by the date its
moment has in that zone, so its days, weeks and months are the zone's own
across daylight-saving changes (a 23-hour and a 25-hour day are each one
day). PostgreSQL computes it with AT TIME ZONE; SQLite, which knows no
zones, with this module's function, registered on each of its connections.
Dates beyond the calendar's ends (year 1 in a zone behind UTC, 9999 in one
ahead) are held to them.
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

UTC_ZONE = ZoneInfo("UTC")


class local_date(FunctionElement):
    """local_date(moment, zone name): the date of a stored UTC moment in the zone."""

    type = Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date, "postgresql")
def _at_time_zone(element, compiler, **options) -> str:
    moment, zone = (compiler.process(clause, **options) for clause in element.clauses)
    local = f"CAST(({moment} AT TIME ZONE {zone}) AS DATE)"
    return f"LEAST(GREATEST({local}, DATE '0001-01-01'), DATE '9999-12-31')"


@compiles(local_date)
def _registered_function(element, compiler, **options) -> str:
    return f"local_date({compiler.process(element.clauses, **options)})"


def register(engine: Engine) -> None:
    """Give each new SQLite connection of `engine` the local_date function."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _add_function)


def _add_function(dbapi_connection, _record) -> None:
    dbapi_connection.create_function("local_date", 2, _date_in, deterministic=True)


def _date_in(stored: str | None, zone: str) -> str | None:
    """SQLite's local_date: `stored` is the naive UTC text UtcDateTime writes."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    try:
        return moment.astimezone(_zone(zone)).date().isoformat()
    except OverflowError:
        return (date.min if moment.year == 1 else date.max).isoformat()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_utc(zone: ZoneInfo) -> bool:
    """Whether the zone's days are UTC's (the daily rollup's own)."""
    return zone.key == "UTC"


def start_of(day: date, zone: ZoneInfo) -> str:
    """The first moment of `day` in the zone, RFC 3339 with the zone's offset
    then ("Z" at UTC). Where the day starts after midnight (a clock moved
    forward at midnight) it is the first moment that exists."""
    try:
        moment = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).astimezone(zone)
    except OverflowError:
        moment = datetime.combine(day, time(), tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")
