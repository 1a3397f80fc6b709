"""Column types and conventions every service's models use."""

import enum
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Enum,
    String,
    Table,
    TypeDecorator,
    type_coerce,
)

# Stable constraint names, so Alembic can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = value.astimezone(UTC)
        # SQLite stores text without an offset: keep it naive, always UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its contract spelling, checked by the database."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


def as_stored(table: Table) -> list:
    """The table's columns to select for an answer written by `fields.writer`:
    enum columns as the text they store (the contract's spelling), so no
    enum member is made per value only to be written back as that text."""
    return [_stored(column) for column in table.columns]


def _stored(column: Column) -> ColumnElement:
    if isinstance(column.type, Enum):
        return type_coerce(column, String).label(column.key)
    return column


def converted(rows: Iterable[Sequence], converters: list[tuple[int, Callable]]) -> list[tuple]:
    """Each row with the value at each converter's index converted by it
    (a None stays None): a type's processor, applied to many rows."""
    out = []
    for row in rows:
        row = list(row)
        for index, convert in converters:
            if row[index] is not None:
                row[index] = convert(row[index])
        out.append(tuple(row))
    return out
