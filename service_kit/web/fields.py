"""Strict marshmallow fields for JSON contracts that other languages must match."""

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import marshmallow as ma
from sqlalchemy import Table

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def enum_field(enum_class, **kwargs) -> ma.fields.Enum:
    """An enum read and written by its value: the contract's exact spelling."""
    return ma.fields.Enum(enum_class, by_value=True, **kwargs)


class ServerAssignedId(ma.fields.Raw):
    """`id` in a request body: absent or null only; the server assigns it.

    A client serializing its own struct sends `"id": null`, which must work.
    """

    default_error_messages = {"assigned": "id is assigned by the server; send it absent or null."}

    def __init__(self):
        super().__init__(
            allow_none=True,
            load_only=True,
            metadata={"type": "integer", "nullable": True, "enum": [None]},
        )

    def _deserialize(self, value, attr, data, **kwargs):
        raise self.make_error("assigned")


class Text(ma.fields.String):
    """A string the database can store: no NUL, no lone surrogates."""

    default_error_messages = {"unstorable": "Must not contain NUL or unpaired surrogates."}

    def __init__(self, **kwargs):
        metadata = {"pattern": "^[^\\u0000]*$"} | kwargs.pop("metadata", {})
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("unstorable")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise self.make_error("unstorable") from error
        return text


class StrictNumber(ma.fields.Float):
    """A finite JSON number: strings, booleans, NaN and infinities are refused."""

    default_error_messages = {
        "invalid": "Not a valid number.",
        "special": "Must be a finite number.",
    }

    def __init__(self, **kwargs):
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("special")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(ma.fields.Integer):
    """An integer in a query string: plain ASCII digits, nothing Python would also take."""

    def __init__(self, digits: int = 10, **kwargs):
        super().__init__(**kwargs)
        self.pattern = re.compile(f"[0-9]{{1,{digits}}}")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.pattern.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """A JSON true or false; "true", 1 and friends are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class UtcDateTime(ma.fields.Field):
    """An RFC 3339 timestamp with an offset in; UTC with a `Z` out.

    Fractions of a second are kept (to the microsecond) and written with 3 or 6
    digits only when present, like chrono's `SecondsFormat::AutoSi`.
    """

    default_error_messages = {
        "invalid": "Not a valid RFC 3339 date-time with an offset (e.g. 2026-03-01T08:30:00Z).",
        "range": "Date-time out of range.",
    }

    def __init__(self, **kwargs):
        metadata = {"type": "string", "format": "date-time"} | kwargs.pop("metadata", {})
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        return None if value is None else format_utc(value)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str) or not _RFC3339.match(value):
            raise self.make_error("invalid")
        try:
            parsed = datetime.fromisoformat(value.upper())
        except ValueError as error:
            raise self.make_error("invalid") from error
        try:
            return parsed.astimezone(UTC)
        except OverflowError as error:
            raise self.make_error("range") from error


def format_utc(value: datetime) -> str:
    """Render an aware datetime as RFC 3339 UTC with `Z`."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    text = value.isoformat(timespec="seconds")[:19]  # without the +00:00
    if value.microsecond % 1000 == 0 and value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    elif value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


# Output fields whose values a database row already holds in their JSON type.
_AS_STORED = (ma.fields.Integer, ma.fields.Float, ma.fields.String, ma.fields.Boolean)


def writer(schema: ma.Schema, table: Table) -> Callable[[Sequence], dict]:
    """What `schema.dump(row)` gives, for a row of `table` selected whole
    (`select(table)`, or `RETURNING` every column), at a fraction of the
    cost: a page of 100 rows dumped by marshmallow costs more than its query.

    Values are taken by position, so the table's columns must be the
    schema's fields in the same order (checked here, once). Only datetimes
    are converted; str enums are written as their value. The result is for
    `json_out.OrjsonProvider`, which writes whole-second UTC datetimes left
    to it as `format_utc` would. (The tests check writer against dump for
    every output schema.)"""
    names = tuple(schema.fields)
    columns = tuple(column.key for column in table.columns)
    if names != columns:
        raise TypeError(f"writer() needs the columns of {table.name} to be {names}: {columns}")
    datetimes = []
    for name, field in schema.fields.items():
        if isinstance(field, UtcDateTime):
            datetimes.append(name)
        elif not _as_stored(field) or field.attribute not in (None, name):
            raise TypeError(f"writer() cannot write {name}: {type(field).__name__}")

    def write(row: Sequence) -> dict:
        out = dict(zip(names, row, strict=True))
        for name in datetimes:
            value = out[name]
            if value is not None:
                out[name] = utc_for_orjson(value)
        return out

    return write


def _as_stored(field: ma.fields.Field) -> bool:
    if isinstance(field, ma.fields.Enum):
        return field.by_value and issubclass(field.enum, str)
    return type(field) in _AS_STORED


def utc_for_orjson(value: datetime) -> datetime | str:
    """A whole-second UTC datetime as it is (orjson writes it faster, with
    the same text); any other as `format_utc` writes it."""
    if value.tzinfo is UTC and not value.microsecond:
        return value
    return format_utc(value)
