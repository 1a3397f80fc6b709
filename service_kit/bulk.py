"""Many rows into one table at once.

PostgreSQL: COPY (several times faster than INSERT), ids reserved first from
the table's sequence when the rows need new ones. Other databases (SQLite):
multi-row INSERT (... RETURNING for ids). Either way it runs on the
session's connection, inside the request's transaction.
"""

import csv
import io

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session


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


def copy_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert rows that carry every column, keys included."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(table.columns)
    dialect = session.get_bind().dialect
    processors = [column.type.bind_processor(dialect) for column in columns]
    names_and_processors = list(zip([column.name for column in columns], processors, strict=True))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # csv writes None as an empty cell, which COPY reads as NULL; dates and
    # datetimes as str() gives them, which PostgreSQL reads.
    writer.writerows(
        [
            value if processor is None or value is None else processor(value)
            for name, processor in names_and_processors
            for value in (row.get(name),)
        ]
        for row in rows
    )
    buffer.seek(0)
    names = ", ".join(column.name for column in columns)
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()
