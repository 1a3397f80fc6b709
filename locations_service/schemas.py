"""Request and response shapes of the locations contract (API.md)."""

import marshmallow as ma
from marshmallow import validate

from locations_service.models import Location, LocationType
from service_kit.web import paging
from service_kit.web.fields import (
    ServerAssignedId,
    StrictBoolean,
    StrictNumber,
    Text,
    enum_field,
    writer,
)

SORTS = ("id", "-id", "name", "-name")


def _coordinate(limit: int) -> StrictNumber:
    return StrictNumber(allow_none=True, validate=validate.Range(min=-limit, max=limit))


class LocationIn(ma.Schema):
    """A location as sent on create."""

    id = ServerAssignedId()
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    address = Text(allow_none=True, validate=validate.Length(max=500))
    zone = Text(allow_none=True, validate=validate.Length(min=1, max=200))
    location_type = enum_field(LocationType, required=True)
    latitude = _coordinate(90)
    longitude = _coordinate(180)
    archived = StrictBoolean(
        load_only=True, metadata={"description": "Read-only: absent, or its current value."}
    )


class LocationReplace(LocationIn):
    """A location as sent on PUT: every field; `name` must stay the same.

    `id` may be absent, null or the id in the path, so a client can send back
    what it read.
    """

    id = ma.fields.Integer(allow_none=True, load_only=True, strict=True)


class LocationPatch(LocationIn):
    """Some fields of a location, as sent on PATCH."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class LocationOut(ma.Schema):
    """A stored location, exactly as API.md shows it."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    address = ma.fields.String(required=True, allow_none=True)
    zone = ma.fields.String(required=True, allow_none=True)
    location_type = enum_field(LocationType, required=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    archived = ma.fields.Boolean(required=True)


class LocationQuery(ma.Schema):
    """Filters, order and page of the list route."""

    zone = ma.fields.List(Text(validate=validate.Length(min=1, max=200)))
    location_type = ma.fields.List(enum_field(LocationType))
    name = ma.fields.List(
        Text(validate=validate.Length(min=1, max=200)),
        metadata={"description": "Exact name; repeat for several."},
    )
    q = Text(validate=validate.Length(min=1, max=200), metadata={"description": "Name contains."})
    archived = ma.fields.Boolean(load_default=False)
    sort = ma.fields.String(load_default="id", validate=validate.OneOf(SORTS))
    limit = paging.limit_field()
    cursor = paging.cursor_field()


# LocationOut.dump, fast: what the read routes answer with (one row, or a page of them).
WRITE_LOCATION = writer(LocationOut(), Location.__table__)
