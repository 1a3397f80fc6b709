"""Query and answer shapes of the analytics contract (API.md, Analytics)."""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import marshmallow as ma
from marshmallow import validate

from analytics_service.local_time import UTC_ZONE
from analytics_service.units import STATUSES, WASTE_TYPES
from service_kit.web.fields import QueryInteger, Text, UtcDateTime

LOCATION_SORTS = ("-kg", "kg", "-collections", "collections", "location")


class AnalyticsQuery(ma.Schema):
    """The filters every report takes; `from` and `to` are half-open."""

    start = UtcDateTime(data_key="from")
    end = UtcDateTime(data_key="to")
    location = ma.fields.List(Text(validate=validate.Length(min=1, max=200)))
    zone = ma.fields.List(Text(validate=validate.Length(min=1, max=200)))
    waste_type = ma.fields.List(ma.fields.String(validate=validate.OneOf(WASTE_TYPES)))
    status = ma.fields.List(ma.fields.String(validate=validate.OneOf(STATUSES)))

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise ma.ValidationError("Must be later than from.", "to")


class TimeZone(ma.fields.String):
    """An IANA time zone name, loaded as its ZoneInfo."""

    default_error_messages = {"unknown": "Not a known IANA time zone (such as Europe/Amsterdam)."}

    def __init__(self, **kwargs):
        example = {"example": "Europe/Amsterdam"}
        super().__init__(metadata=example | kwargs.pop("metadata", {}), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> ZoneInfo:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not is_zone(name):
            raise self.make_error("unknown")
        return ZoneInfo(name)


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone of the tz database (not something a
    schema can say: the list is the system's, and grows)."""
    return name in _zone_names()


@cache
def _zone_names() -> frozenset[str]:
    """Every zone the system's tz database (or the tzdata package) has, less
    the files a system keeps beside them that are not IANA names."""
    return frozenset(available_timezones()) - {"localtime", "posixrules", "posix/localtime"}


class TimeseriesQuery(AnalyticsQuery):
    bucket = ma.fields.String(
        load_default="month", validate=validate.OneOf(("day", "week", "month"))
    )
    by_waste_type = ma.fields.Boolean(load_default=False)
    tz = TimeZone(
        load_default=UTC_ZONE,
        metadata={
            "description": "Whose days, weeks and months: an IANA time zone name "
            "(default UTC). Each period starts at that zone's midnight, across "
            "daylight-saving changes, and `period_start` carries its offset.",
            "default": "UTC",
        },
    )


class LocationsQuery(AnalyticsQuery):
    sort = ma.fields.String(load_default="-kg", validate=validate.OneOf(LOCATION_SORTS))
    limit = QueryInteger(load_default=100, validate=validate.Range(min=1, max=1000))


class KgAndCount(ma.Schema):
    kg = ma.fields.Float(required=True)
    collections = ma.fields.Integer(required=True)


class TypeShare(KgAndCount):
    share = ma.fields.Float(required=True, allow_none=True)


class Conversions(ma.Schema):
    tons_to_kg = ma.fields.Integer(required=True)
    kg_per_liter = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Float(allow_none=True),
        required=True,
        metadata={"description": "null: no factor; that type's litres stay unconverted."},
    )
    source = ma.fields.String(required=True)


class Freshness(ma.Schema):
    conversions = ma.fields.Nested(Conversions, required=True)
    data_as_of = UtcDateTime(required=True, allow_none=True)
    stale = ma.fields.Boolean(required=True)


def _liters():
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(), required=True)


class SummaryOut(Freshness):
    total_kg = ma.fields.Float(required=True)
    collections = ma.fields.Integer(required=True)
    by_status = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(KgAndCount), required=True
    )
    completion_rate = ma.fields.Float(required=True, allow_none=True)
    by_waste_type = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(TypeShare), required=True
    )
    unconverted_liters = _liters()


class Period(KgAndCount):
    period_start = ma.fields.String(
        required=True,
        metadata={
            "format": "date-time",
            "description": "The period's first moment: midnight in `tz`, with its offset then "
            "(Z in UTC).",
        },
    )
    unconverted_liters = _liters()
    by_waste_type = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(KgAndCount))


class TimeseriesOut(Freshness):
    bucket = ma.fields.String(required=True)
    tz = ma.fields.String(required=True, metadata={"description": "The periods' time zone."})
    periods = ma.fields.List(ma.fields.Nested(Period), required=True)


class PlaceOut(KgAndCount):
    location = ma.fields.String(required=True)
    known = ma.fields.Boolean(required=True)
    zone = ma.fields.String(required=True, allow_none=True)
    location_type = ma.fields.String(required=True, allow_none=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    unconverted_liters = _liters()


class LocationsOut(Freshness):
    locations = ma.fields.List(ma.fields.Nested(PlaceOut), required=True)
    unknown_locations = ma.fields.List(ma.fields.String(), required=True)


class ZoneOut(KgAndCount):
    zone = ma.fields.String(required=True, allow_none=True)
    locations = ma.fields.Integer(required=True)
    unconverted_liters = _liters()


class ZonesOut(Freshness):
    zones = ma.fields.List(ma.fields.Nested(ZoneOut), required=True)
    unknown_locations = ma.fields.List(ma.fields.String(), required=True)
