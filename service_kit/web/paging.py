"""Keyset paging: opaque cursors and the RFC 8288 `Link: rel="next"` header.

A cursor carries the sort it was made for and the sort key of the last row
returned; the next page starts strictly after that key, so rows inserted
between two fetches neither repeat nor shift a page.
"""

import base64
import binascii
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, request
from sqlalchemy import Connection, Row, Select, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from service_kit.data.driver import DriverStatement
from service_kit.web.errors import Unprocessable
from service_kit.web.fields import QueryInteger, Text

# Cursors are short: a sort name and a key of a few values.
MAX_CURSOR_LENGTH = 512
# The id at the end of every key, bounded so no database sees a huge number.
CURSOR_ID = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=2**31 - 1))


def limit_field(default: int = 100, maximum: int = 1000) -> QueryInteger:
    """The `limit` query parameter of a paged list."""
    return QueryInteger(load_default=default, validate=ma.validate.Range(min=1, max=maximum))


def cursor_field() -> ma.fields.String:
    """The `cursor` query parameter of a paged list."""
    return Text(
        validate=ma.validate.Length(max=MAX_CURSOR_LENGTH),
        metadata={"description": "Opaque; copy it from the Link header."},
    )


@dataclass(frozen=True)
class Order:
    """A sort order usable for keyset paging.

    `columns` end with a unique column (the id) so the key is unique; `fields`
    turn each key value to and from JSON inside the cursor.
    """

    columns: tuple[InstrumentedAttribute, ...]
    fields: tuple[ma.fields.Field, ...]
    descending: bool = False

    def clauses(self) -> list:
        """The ORDER BY clauses of this order."""
        return [column.desc() if self.descending else column.asc() for column in self.columns]


def page(
    connection: Connection,
    statement: Select,
    params: dict,
    sort: str,
    order: Order,
    limit: int,
    cursor: str | None,
) -> tuple[list[Row], str | None]:
    """One page of `statement` in `order`, and the next page's cursor (None on the last).

    `statement` is built once for its shape and takes its values as bound
    parameters (`params`), as a `Listing` gives it: building a select and its
    cache key cost more than running it (~0.16 ms for a filtered list).
    """
    values = {**params, "limit": limit + 1}
    if cursor is not None:
        key = _decode_key(decode_cursor(cursor, sort), order)
        values.update((f"after_{n}", value) for n, value in enumerate(key))
    paged, positions = _paged(statement, order, cursor is not None)
    rows = paged.all(connection, values)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = {c.key: rows[-1][at] for c, at in zip(order.columns, positions, strict=True)}
    key = [
        field.serialize(column.key, last)
        for column, field in zip(order.columns, order.fields, strict=True)
    ]
    return rows, encode_cursor(sort, key)


class Listing:
    """A list's select, built once for each set of filters a query names.

    `build(values)` narrows the list's select by each filter in `values`,
    which may hold values or bound parameters alike. `filters` name the
    query's filters; `lists` those that take several values, each value a
    parameter of its own (so a shape is also how many each list has, and its
    statement runs on the driver's cursor as it is). Calling it with a query
    gives the select (its filters bound by name) and the values.
    """

    def __init__(
        self, build: Callable[[dict], Select], filters: tuple[str, ...], lists: frozenset[str]
    ):
        self.build, self.filters, self.lists = build, filters, lists
        self.shapes: dict[tuple, Select] = {}

    def __call__(self, query: dict) -> tuple[Select, dict]:
        names = tuple(name for name in self.filters if name in query)
        counts = tuple(len(query[name]) for name in names if name in self.lists)
        statement = self.shapes.get((names, counts))
        if statement is None:
            placeholders = {name: self._placeholder(name, query[name]) for name in names}
            statement = self.shapes[(names, counts)] = self.build(placeholders)
        values = {}
        for name in names:
            if name in self.lists:
                values.update((f"{name}_{n}", value) for n, value in enumerate(query[name]))
            else:
                values[name] = query[name]
        return statement, values

    def _placeholder(self, name: str, value):
        if name in self.lists:
            return [bindparam(f"{name}_{n}") for n in range(len(value))]
        return bindparam(name)


@functools.lru_cache(maxsize=1024)
def _paged(statement: Select, order: Order, after: bool) -> tuple[DriverStatement, list[int]]:
    """`statement` ordered and limited, after a bound key when `after`, run
    on the driver's cursor (a page's rows cost SQLAlchemy's execution more
    than the query); and where the order's columns are in its rows."""
    if after:
        row_key = tuple_(*order.columns)
        bound = tuple_(
            *(bindparam(f"after_{n}", type_=column.type) for n, column in enumerate(order.columns))
        )
        statement = statement.where(row_key < bound if order.descending else row_key > bound)
    names = [column.key for column in statement.selected_columns]
    positions = [names.index(column.key) for column in order.columns]
    paged = statement.order_by(*order.clauses()).limit(bindparam("limit"))
    return DriverStatement(paged), positions


def _decode_key(values: list, order: Order) -> list:
    if len(values) != len(order.columns):
        raise bad_cursor("The cursor is damaged.")
    try:
        return [field.deserialize(value) for field, value in zip(order.fields, values, strict=True)]
    except ma.ValidationError as error:
        raise bad_cursor("The cursor is damaged.") from error


def encode_cursor(sort: str, key: list) -> str:
    raw = json.dumps([sort, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list:
    """Return the key a cursor carries; 422 if it is not ours or not for `sort`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError) as error:
        raise bad_cursor("Not a valid cursor.") from error
    if not isinstance(decoded, list) or len(decoded) < 2 or decoded[0] != sort:
        raise bad_cursor("The cursor belongs to another sort order or is damaged.")
    return decoded[1:]


def bad_cursor(message: str) -> Unprocessable:
    """The error for a cursor that cannot be used (422 naming `cursor`)."""
    return Unprocessable(f"cursor: {message}", errors={"cursor": [message]})


def next_link(cursor: str) -> str:
    """The `Link` header value for the page after this one.

    The URL is relative (RFC 8288 allows it): built from the path alone, it
    cannot carry a Host header a client made up.
    """
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    params.append(("cursor", cursor))
    return f'<{request.path}?{urlencode(params)}>; rel="next"'


def page_response(rows: list, cursor: str | None, write: Callable[[Row], dict]) -> Response:
    """What a list view returns: the rows written by `write` (see
    fields.writer), and the next page's Link if any."""
    response = current_app.json.response([write(row) for row in rows])
    if cursor:
        response.headers["Link"] = next_link(cursor)
    return response
