"""Many rows into one table in one statement-sized step, ids back in order.

PostgreSQL: ids are reserved from the table's sequence, then the rows go in
with COPY (several times faster than INSERT). Other databases (SQLite): one
multi-row INSERT ... RETURNING per batch. Either way it runs on the
session's connection, inside the request's transaction.
"""

import csv
import io

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict]) -> list[int]:
    """Insert `rows` (dicts of column values, bind-ready) and return their new ids."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _copy_rows(session, table, rows)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _copy_rows(session: Session, table: Table, rows: list[dict]) -> list[int]:
    ids = list(
        session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": len(rows)},
        )
    )
    columns = [column for column in table.columns if column.name != "id"]
    dialect = session.get_bind().dialect
    processors = [column.type.bind_processor(dialect) for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row_id, row in zip(ids, rows, strict=True):
        values = [
            _copy_value(processor, row[column.name])
            for column, processor in zip(columns, processors, strict=True)
        ]
        writer.writerow([row_id, *values])
    buffer.seek(0)
    names = ", ".join(["id", *(column.name for column in columns)])
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()
    return ids


def _copy_value(processor, value):
    """A value as COPY's csv format reads it: through the column's own type."""
    value = processor(value) if processor else value
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value
