"""Query and answer shapes of the analytics contract (API.md, Analytics)."""

import marshmallow as ma
from marshmallow import validate

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


class TimeseriesQuery(AnalyticsQuery):
    bucket = ma.fields.String(
        load_default="month", validate=validate.OneOf(("day", "week", "month"))
    )
    by_waste_type = ma.fields.Boolean(load_default=False)


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
    period_start = ma.fields.String(required=True, metadata={"format": "date-time"})
    unconverted_liters = _liters()
    by_waste_type = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(KgAndCount))


class TimeseriesOut(Freshness):
    bucket = ma.fields.String(required=True)
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
