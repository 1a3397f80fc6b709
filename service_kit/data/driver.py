"""A statement run on the driver's own cursor, for the hottest requests.

On a read of one row, SQLAlchemy's execution (its context, events and result
object) costs as much CPU as the round trip to the database: a GET of one
collection spent ~0.1 ms of its ~0.6 there (docs/performance.md). A
`DriverStatement` is compiled once per dialect and run straight on the
cursor of a SQLAlchemy `Connection`, with SQLAlchemy's own conversions for
each parameter and column. It returns one row (a read by key, or a write
with RETURNING), or a page of a list's rows.

A driver error is raised as SQLAlchemy would raise it, and a connection the
database dropped is invalidated, so the error handlers and the connection's
release work as for any statement. No engine events fire (the services
listen to none but `connect`).
"""

from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.trace import SpanKind
from sqlalchemy import Connection, Dialect, Executable
from sqlalchemy.exc import DBAPIError, MultipleResultsFound

from service_kit.data import columns
from service_kit.telemetry import metrics, traces

Converter = Callable[[Any], Any] | None


class DriverStatement:
    """`statement` (a select, or a write with RETURNING), each of whose
    parameters is a `bindparam`; compiled for a dialect when first run on it."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self.compiled: dict[str, _Compiled] = {}

    def one_or_none(self, connection: Connection, values: Mapping[str, Any]) -> tuple | None:
        """The row for these parameter values, or None; more is an error."""
        return self._compiled(connection).one_or_none(connection, values)

    def all(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple]:
        """Every row for these parameter values (a page of a list)."""
        return self._compiled(connection).all(connection, values)

    def _compiled(self, connection: Connection) -> "_Compiled":
        dialect = connection.dialect
        compiled = self.compiled.get(dialect.name)
        if compiled is None:
            compiled = self.compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled


class _Compiled:
    """A statement compiled for one dialect, with its converters."""

    def __init__(self, statement: Executable, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = str(compiled)
        # Its span's name, when traces are exported.
        self.span_name = traces.statement_name(self.sql)
        self.parameters: dict[str, Converter] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        # A value written into the statement itself (`status != 'Completed'`)
        # is a parameter the caller does not name: it keeps its own value.
        self.fixed = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        # A positional driver (SQLite's ?) takes a tuple in this order.
        self.order = compiled.positiontup if compiled.positional else None
        self.types = [column.type.dialect_impl(dialect) for column in statement.exported_columns]
        # Some converters depend on the type the driver reports (PostgreSQL's
        # numerics): made from the first result's description.
        self.columns: tuple[Converter, ...] | None = None

    def one_or_none(self, connection: Connection, values: Mapping[str, Any]) -> tuple | None:
        """The row for these parameter values, or None; more is an error.
        (Every row is fetched: SQLite ends a write only once it has all.)"""
        rows = self.all(connection, values)
        if not rows:
            return None
        if len(rows) > 1:
            raise MultipleResultsFound(f"{len(rows)} rows where one was expected")
        return rows[0]

    def all(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple]:
        """Every row for these parameter values, each converted as SQLAlchemy would."""
        arguments = self._arguments(values)
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with traces.span(self.span_name, SpanKind.CLIENT):
                cursor.execute(self.sql, arguments)
                rows = cursor.fetchall()
            if self.columns is None:
                self.columns = self._converters(cursor.description)
        except self.dialect.loaded_dbapi.Error as error:
            metrics.DB_ERRORS.of().inc()
            raise self._translated(connection, error, arguments) from error
        finally:
            cursor.close()
        converting = [(i, convert) for i, convert in enumerate(self.columns) if convert]
        return columns.converted(rows, converting) if converting else rows

    def _converters(self, description) -> tuple[Converter, ...]:
        return tuple(
            kind.result_processor(self.dialect, reported[1])
            for kind, reported in zip(self.types, description, strict=True)
        )

    def _arguments(self, values: Mapping[str, Any]) -> dict | tuple:
        converted = {}
        for name, convert in self.parameters.items():
            value = values[name] if name in values else self.fixed[name]
            converted[name] = value if convert is None else convert(value)
        if self.order is None:
            return converted
        return tuple(converted[name] for name in self.order)

    def _translated(self, connection: Connection, error: Exception, arguments) -> DBAPIError:
        """SQLAlchemy's exception for a driver error; a lost connection is
        invalidated first (SQLAlchemy would do both on its own execute)."""
        dbapi_connection = connection.connection.dbapi_connection
        lost = self.dialect.is_disconnect(error, dbapi_connection, None)
        if lost:
            connection.invalidate(error)
        return DBAPIError.instance(
            self.sql,
            arguments,
            error,
            self.dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=self.dialect,
        )
