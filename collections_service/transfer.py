"""Bulk import (a JSON array or CSV) and CSV export of collections.

An import is all or nothing: every row is checked against the same schema as
a single create, every distinct location name once, and only then are all
rows written with the database's bulk path.
"""

import re
from collections.abc import Iterator

import marshmallow as ma
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from collections_service import metrics, service
from collections_service.locations import LocationDirectory
from collections_service.models import Collection
from collections_service.schemas import CollectionIn
from service_kit.data import bulk, db
from service_kit.web import csv_io
from service_kit.web.errors import Unprocessable, split_messages
from service_kit.web.fields import format_utc

MAX_ROWS = 10_000
MAX_BYTES = 16 * 1024 * 1024  # the gateway's limit for this one route
MAX_LISTED_ROWS = 100
CSV_COLUMNS = ("id", "location", "waste_type", "quantity", "unit", "collected_date", "status")
# A CSV quantity is read like a JSON number, nothing looser.
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_SCHEMA = CollectionIn(many=True)


class RowErrors(Unprocessable):
    """Some rows are invalid: nothing was stored; the rows say which and why."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        numbers = sorted(errors)
        listed = [{"row": n, "errors": errors[n]} for n in numbers[:MAX_LISTED_ROWS]]
        super().__init__(
            f"{len(numbers)} row(s) are invalid, first row {numbers[0]}; nothing was stored.",
            extensions={"error_count": len(numbers), "rows": listed},
        )


def rows_from_json(payload) -> list:
    if not isinstance(payload, list):
        raise Unprocessable("Send a JSON array of collections.")
    return payload


def rows_from_csv(text: str) -> tuple[list[dict], dict[int, dict]]:
    """Rows as dicts (empty cells left out, `id` ignored), and rows of the wrong width."""
    header, records = csv_io.read(text)
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown or len(set(header)) != len(header):
        errors = {name: ["Unknown field."] for name in unknown}
        if len(set(header)) != len(header):
            errors["header"] = ["A column appears twice."]
        raise Unprocessable("The CSV header must name the contract's fields.", errors=errors)
    rows, bad_width = [], {}
    for number, record in enumerate(records, start=1):
        if len(record) != len(header):
            bad_width[number] = {"row": [f"Has {len(record)} cells; the header has {len(header)}."]}
        cells = dict(zip(header, record, strict=False))
        rows.append(
            {
                name: _csv_value(name, cell)
                for name, cell in cells.items()
                if cell != "" and name != "id"
            }
        )
    return rows, bad_width


def _csv_value(name: str, cell: str):
    return float(cell) if name == "quantity" and _NUMBER.fullmatch(cell) else cell


def import_(
    session: Session, rows: list, locations: LocationDirectory, errors: dict | None = None
) -> list[int]:
    """Check every row, then store all of them; return their ids in row order."""
    if len(rows) > MAX_ROWS:
        raise Unprocessable(f"At most {MAX_ROWS} rows per import; got {len(rows)}.")
    if not rows:
        raise Unprocessable("There are no rows to import.")
    errors = dict(errors or {})
    try:
        loaded = _SCHEMA.load(rows)
    except ma.ValidationError as error:
        for number, fields in _row_errors(error.messages).items():
            errors.setdefault(number, {}).update(fields)
        loaded = []
    if errors:
        raise RowErrors(errors)
    inactive = locations.inactive_among(row["location"] for row in loaded)
    for number, row in enumerate(loaded, start=1):
        if row["location"] in inactive:
            errors[number] = {"location": [f"No active location is named {row['location']!r}."]}
    if errors:
        raise RowErrors(errors)
    for row in loaded:
        row.pop("id", None)
    ids = bulk.insert_rows(session, Collection.__table__, loaded)
    metrics.recorded(loaded, "import")
    return ids


def _row_errors(messages: dict) -> dict[int, dict[str, list[str]]]:
    result = {}
    for index, row_messages in messages.items():
        fields, general = split_messages(
            row_messages if isinstance(row_messages, dict) else {"_schema": row_messages}
        )
        if general:
            fields["row"] = general
        result[int(index) + 1] = fields
    return result


def id_ranges(ids: list[int]) -> list[list[int]]:
    """Consecutive ids folded into [first, last] pairs, in order."""
    ranges: list[list[int]] = []
    for row_id in ids:
        if ranges and row_id == ranges[-1][1] + 1:
            ranges[-1][1] = row_id
        else:
            ranges.append([row_id, row_id])
    return ranges


def export_csv(query: dict, max_rows: int | None) -> Iterator[str]:
    """The filtered, sorted collections as CSV chunks, streamed from the
    database after the view has returned (on a connection of their own).

    Rows are fetched in batches from a server-side cursor, so memory stays
    flat whatever the count.
    """
    columns = [getattr(Collection, name) for name in CSV_COLUMNS]
    statement = service.ordered(service.filtered(select(*columns), query), query["sort"])
    if max_rows is not None:
        statement = statement.limit(max_rows)
    # The engine is looked up now, in the request: the chunks are made after it.
    return _streamed(db.engine(), statement)


def _streamed(engine: Engine, statement: Select) -> Iterator[str]:
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=2000).execute(
            statement
        )
        yield from csv_io.write(list(CSV_COLUMNS), (_csv_row(row) for row in result))


def _csv_row(row) -> tuple:
    return (
        row.id,
        row.location,
        row.waste_type.value,
        row.quantity,
        row.unit.value,
        format_utc(row.collected_date),
        row.status.value,
    )
