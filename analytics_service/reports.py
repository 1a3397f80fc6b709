"""The four analytics reports, read from the coarsest table that can answer
each exactly (sources.py), kilograms computed at query time."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from analytics_service.local_time import UTC_ZONE, start_of
from analytics_service.sources import Filters, grouped
from analytics_service.units import STATUSES, WASTE_TYPES, Kilograms, Totals
from service_kit.web.errors import Unprocessable

MAX_PERIODS = 20_000


@dataclass(frozen=True)
class Series:
    """How a time series is cut: day, week (from Monday) or month, in whose
    time zone, and whether each period is split by waste type."""

    bucket: str = "month"
    zone: ZoneInfo = UTC_ZONE
    per_type: bool = False


def summary(connection: Connection, filters: Filters, kilograms: Kilograms) -> dict:
    by_type = {t: Totals() for t in WASTE_TYPES}
    by_status = {s: Totals() for s in STATUSES}
    overall = Totals()
    for waste_type, status, count, mass, volume in grouped(
        connection, filters, ("waste_type", "status")
    ):
        for totals in (by_type[waste_type], by_status[status], overall):
            totals.add(waste_type, count, mass or 0.0, volume or 0.0)
    total_kg = kilograms.of(overall)
    completed = by_status["Completed"].collections
    return {
        "total_kg": total_kg,
        "collections": overall.collections,
        "by_status": {s: _kg_and_count(t, kilograms) for s, t in by_status.items()},
        "completion_rate": round(completed / overall.collections, 6)
        if overall.collections
        else None,
        "by_waste_type": {
            waste_type: _kg_and_count(totals, kilograms)
            | {"share": round(kilograms.of(totals) / total_kg, 6) if total_kg else None}
            for waste_type, totals in by_type.items()
        },
        "unconverted_liters": kilograms.unconverted(overall),
    }


def _kg_and_count(totals: Totals, kilograms: Kilograms) -> dict:
    return {"kg": kilograms.of(totals), "collections": totals.collections}


def timeseries(
    connection: Connection,
    filters: Filters,
    series: Series,
    kilograms: Kilograms,
) -> list[dict]:
    """One row per period of the series, empty ones included."""
    bucket, zone = series.bucket, series.zone
    # Months straight from a monthly table where one can answer; else days.
    grain = "month" if bucket == "month" else "day"
    periods: dict[date, dict[str, Totals]] = defaultdict(lambda: defaultdict(Totals))
    for day, waste_type, count, mass, volume in grouped(
        connection, filters, (grain, "waste_type"), zone
    ):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        periods[period_start(day, bucket)][waste_type].add(
            waste_type, count, mass or 0.0, volume or 0.0
        )
    rows = []
    for start in _period_starts(filters, series, periods):
        overall = Totals()
        for waste_type, totals in periods.get(start, {}).items():
            overall.add(waste_type, totals.collections, totals.mass_kg, totals.volume_l[waste_type])
        row = {
            "period_start": start_of(start, zone),
            "kg": kilograms.of(overall),
            "collections": overall.collections,
            "unconverted_liters": kilograms.unconverted(overall),
        }
        if series.per_type:
            row["by_waste_type"] = {
                t: _kg_and_count(periods.get(start, {}).get(t, Totals()), kilograms)
                for t in WASTE_TYPES
            }
        rows.append(row)
    return rows


def period_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())  # weeks start on Monday
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next(start: date, bucket: str) -> date | None:
    """The next period's start; None past the end of the calendar (year 9999)."""
    try:
        if bucket == "day":
            return start + timedelta(days=1)
        if bucket == "week":
            return start + timedelta(days=7)
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    except OverflowError:
        return None


def _period_starts(filters: Filters, series: Series, periods: dict) -> list[date]:
    """Every period the range covers, empty ones included.

    An open end of the range stops at the data's first or last period (no
    data, no periods), and keeps at most MAX_PERIODS periods: those next to
    the end that was given, the latest ones when neither was. So one outlier
    date never makes the default series unanswerable. A range given at both
    ends that holds more periods is a 422: the client can narrow it.
    """
    bucket = series.bucket
    if not periods and (filters.start is None or filters.end is None):
        return []
    first_day = _day_in(filters.start, series.zone) if filters.start else min(periods)
    first = period_start(first_day, bucket)
    if filters.end:
        last_day = _day_in(filters.end - timedelta(microseconds=1), series.zone)
    else:
        last_day = max(periods)
    last = period_start(last_day, bucket)
    if filters.start is None:
        first = max(first, _shift(last, bucket, -(MAX_PERIODS - 1)))
    elif filters.end is None:
        last = min(last, _shift(first, bucket, MAX_PERIODS - 1))
    starts, current = [], first
    while current is not None and current <= last:
        starts.append(current)
        if len(starts) > MAX_PERIODS:
            raise Unprocessable(
                f"The range holds more than {MAX_PERIODS} periods; "
                "narrow it or use a longer bucket.",
                errors={"bucket": ["Too many periods for this range."]},
            )
        current = _next(current, bucket)
    return starts


def _day_in(moment: datetime, zone: ZoneInfo) -> date:
    """The moment's date in the zone (held to the calendar's ends)."""
    try:
        return moment.astimezone(zone).date()
    except OverflowError:
        return date.min if moment.astimezone(UTC).year == 1 else date.max


def _shift(start: date, bucket: str, count: int) -> date:
    """The start of the period `count` periods away (clamped to the calendar,
    whose first day, 0001-01-01, is a Monday)."""
    try:
        if bucket == "month":
            year, month = divmod(start.year * 12 + start.month - 1 + count, 12)
            return date(year, month + 1, 1)
        return start + timedelta(days=count * (7 if bucket == "week" else 1))
    except (OverflowError, ValueError):
        return date.min if count < 0 else date.max


def by_location(connection: Connection, filters: Filters, kilograms: Kilograms) -> dict[str, dict]:
    """Per location name: kg, collections, unconverted litres."""
    places: dict[str, Totals] = defaultdict(Totals)
    for location, waste_type, count, mass, volume in grouped(
        connection, filters, ("location", "waste_type")
    ):
        places[location].add(waste_type, count, mass or 0.0, volume or 0.0)
    return {
        name: _kg_and_count(totals, kilograms)
        | {"unconverted_liters": kilograms.unconverted(totals)}
        for name, totals in places.items()
    }
