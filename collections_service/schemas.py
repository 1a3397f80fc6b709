"""Request and response shapes of the collections contract (API.md)."""

import marshmallow as ma
from marshmallow import validate

from collections_service import bounds
from collections_service.models import Collection, Status, Unit, WasteType
from service_kit.web import paging
from service_kit.web.errors import ProblemSchema
from service_kit.web.fields import (
    ServerAssignedId,
    StrictNumber,
    Text,
    UtcDateTime,
    enum_field,
    writer,
)

SORTS = ("collected_date", "-collected_date", "id", "-id")


class CollectionIn(ma.Schema):
    """A collection as sent on create: every field but `status` required."""

    id = ServerAssignedId()
    location = Text(required=True, validate=validate.Length(min=1, max=200))
    waste_type = enum_field(WasteType, required=True)
    quantity = StrictNumber(
        required=True,
        validate=validate.Range(min=0, min_inclusive=False),
        metadata={
            "exclusiveMinimum": True,
            "maximum": max(bounds.MAX_QUANTITY.values()),
            "description": bounds.QUANTITY_DESCRIPTION,
        },
    )
    unit = enum_field(Unit, required=True)
    collected_date = UtcDateTime(
        required=True,
        validate=lambda moment: _valid(bounds.date_error(moment)),
        metadata={"description": bounds.DATE_DESCRIPTION},
    )
    status = enum_field(Status, load_default=Status.PENDING)

    # Run even when other fields failed: in an import, each row's errors are
    # listed (an invalid field is absent from `data`).
    @ma.validates_schema(skip_on_field_errors=False)
    def _quantity_fits_its_unit(self, data, **kwargs):
        if "quantity" in data and "unit" in data:
            _valid(bounds.quantity_error(data["quantity"], data["unit"]), "quantity")


class CollectionReplace(CollectionIn):
    """A collection as sent on PUT: all fields, `status` included.

    `id` may be absent, null or the id in the path, so a client can send back
    what it read.
    """

    id = ma.fields.Integer(allow_none=True, load_only=True, strict=True)
    status = enum_field(Status, required=True)


class CollectionPatch(CollectionIn):
    """Some fields of a collection, as sent on PATCH."""

    status = enum_field(Status)

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


def _valid(message: str | None, field: str | None = None) -> None:
    """Raise the validation error a bounds check describes, if any."""
    if message is not None:
        raise ma.ValidationError(message, field)


class CollectionOut(ma.Schema):
    """A stored collection, exactly as API.md shows it."""

    id = ma.fields.Integer(required=True)
    location = ma.fields.String(required=True)
    waste_type = enum_field(WasteType, required=True)
    quantity = ma.fields.Float(required=True)
    unit = enum_field(Unit, required=True)
    collected_date = UtcDateTime(required=True)
    status = enum_field(Status, required=True)


class CollectionQuery(ma.Schema):
    """Filters, order and page of the list route."""

    location = ma.fields.List(Text(validate=validate.Length(min=1, max=200)))
    waste_type = ma.fields.List(enum_field(WasteType))
    status = ma.fields.List(enum_field(Status))
    collected_from = UtcDateTime()
    collected_to = UtcDateTime()
    sort = ma.fields.String(load_default="id", validate=validate.OneOf(SORTS))
    limit = paging.limit_field()
    cursor = paging.cursor_field()


class ImportRowErrors(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={"description": "1 is the first data row."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True
    )


class ImportProblem(ProblemSchema):
    """An import's 422: nothing was stored. When rows are invalid, `rows`
    and `error_count` say which and how many; a problem with the whole
    body (no rows, too many, an unknown CSV column) has neither."""

    error_count = ma.fields.Integer(metadata={"description": "How many rows are invalid."})
    rows = ma.fields.List(
        ma.fields.Nested(ImportRowErrors),
        metadata={"description": "The first 100 bad rows."},
    )


class ImportResult(ma.Schema):
    """What an import stored: how many, and their ids as [first, last] ranges."""

    count = ma.fields.Integer(required=True)
    id_ranges = ma.fields.List(
        ma.fields.List(ma.fields.Integer(), validate=validate.Length(equal=2)), required=True
    )


# CollectionOut.dump, fast: what the read routes answer with (one row, or a page of them).
WRITE_COLLECTION = writer(CollectionOut(), Collection.__table__)
