"""Many rows into one table at once.

PostgreSQL: COPY (several times faster than INSERT), ids reserved first from
the table's sequence when the rows need new ones. Other databases (SQLite):
multi-row INSERT (... RETURNING for ids). Either way it runs on the
session's connection, inside the request's transaction.
"""

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter

from sqlalchemy import Table, case, insert, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from service_kit.data import columns


def insert_rows(session: Session, table: Table, rows: list[dict]) -> list[int]:
    """Insert `rows` (column values without `id`) and return their new ids, in order."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, rows))
    ids = list(
        session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": len(rows)},
        )
    )
    copy_rows(
        session, table, [{**row, "id": row_id} for row_id, row in zip(ids, rows, strict=True)]
    )
    return ids


# Below this many rows one INSERT costs less than setting up a COPY.
COPY_FROM = 50


def copy_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert rows that carry every column, keys included."""
    if not rows:
        return
    if len(rows) < COPY_FROM or session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    dialect = session.get_bind().dialect
    names = [column.name for column in table.columns]
    # Each row's values in column order, taken in C; the few columns whose
    # type converts a value (a UTC datetime) converted by their type.
    converters = [
        (index, processor)
        for index, column in enumerate(table.columns)
        if (processor := column.type.bind_processor(dialect)) is not None
    ]
    source = _CsvSource(map(itemgetter(*names), rows), converters)
    with _raw_cursor(session) as cursor:
        cursor.copy_expert(
            f"COPY {table.name} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)", source
        )


class _CsvSource:
    """The rows as CSV, written as COPY reads it: PostgreSQL takes in one
    chunk while the next is written, instead of waiting for the whole text.

    csv writes None as an empty cell, which COPY reads as NULL; dates and
    datetimes as str() gives them, which PostgreSQL reads. So is an empty
    string: a NOT NULL column refuses it (no column copied here holds one).
    """

    ROWS_A_CHUNK = 500

    def __init__(self, rows: Iterator[tuple], converters: list[tuple[int, Callable]]):
        self.rows = rows
        self.converters = converters
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def read(self, size: int = -1) -> str:
        """The next rows' text: a few hundred rows, "" once all are read."""
        chunk = list(islice(self.rows, self.ROWS_A_CHUNK))
        if self.converters:
            chunk = columns.converted(chunk, self.converters)
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(chunk)
        return self.buffer.getvalue()


def add_to_rows(session: Session, table: Table, counter: str, rows: list[tuple]) -> None:
    """Add each row's measures to the row with its key, inserting it when new.

    `rows` are tuples of the primary key's columns then the other columns,
    in table order. A row whose `counter` comes to 0 has every measure set to
    exactly 0, not the float residue of adding and taking away.
    """
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    measures = [column.name for column in table.columns if column.name not in keys]
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        arrays = ", ".join(
            f"%s::{table.c[name].type.compile(dialect)}[]" for name in [*keys, *measures]
        )
        emptied = f"{table.name}.{counter} + EXCLUDED.{counter} = 0"
        added = ", ".join(
            f"{name} = CASE WHEN {emptied} THEN 0 ELSE {table.name}.{name} + EXCLUDED.{name} END"
            for name in measures
        )
        # Names from the table's own definition, never from a request; the
        # values go as parameters.
        statement = (
            f"INSERT INTO {table.name} ({', '.join([*keys, *measures])}) "  # nosec B608
            f"SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
        )
        # Each column one array, in PostgreSQL's text form: read as a value,
        # where a VALUES list of a thousand rows was parsed as SQL (3x slower).
        with _raw_cursor(session) as cursor:
            cursor.execute(statement, [_array(values) for values in zip(*rows, strict=True)])
        return
    statement = sqlite.insert(table)
    emptied_clause = table.c[counter] + statement.excluded[counter] == 0
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={
            name: case((emptied_clause, 0), else_=table.c[name] + statement.excluded[name])
            for name in measures
        },
    )
    session.execute(statement, [dict(zip([*keys, *measures], row, strict=True)) for row in rows])


def _array(values: tuple) -> str:
    """An array's text form (PostgreSQL's `{...}`): numbers as they are,
    anything else quoted, None as NULL."""
    if all(isinstance(value, int | float) for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    return "{" + ",".join(map(_element, values)) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextmanager
def _raw_cursor(session: Session):
    """A DB-API cursor on the session's connection, inside its transaction."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
