"""One engine per app, one session per request; the request owns the transaction.

Views and domain functions use `db.session`; nothing commits but this module:
after a successful response (status < 400) the session commits before the
response leaves, so a 2xx on a write means it is committed. Anything else
rolls back.

Work that is one statement uses `db.autocommit()` instead (chosen by the
domain function, never by a view): a plain connection in autocommit, no
Session, no BEGIN or COMMIT. On the commonest requests (one row, one page,
a new row) that is most of what the database layer costs. A write made
there is committed when its statement returns, before the response is
built. Each thread keeps that connection from request to request.

A connection the database has ended (a restart, a failover,
`pg_terminate_backend`) is noticed before a request uses it: the server
says so and closes the socket, so the idle socket reads as ready. One
poll(2) call per checkout and per request's first autocommit use, no round
trip; such a connection is replaced, and the request never sees it.
"""

import logging
import select as io_select
import threading
from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    make_url,
    select,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.local import LocalProxy

from service_kit.data import columns
from service_kit.data.driver import DriverStatement
from service_kit.telemetry import metrics, traces
from service_kit.web.errors import problem

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "2"


def make_engine(url: str, **options) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout for several workers."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 15}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return _counted(engine)
    if parsed.drivername in ("postgres", "postgresql"):
        # A plain postgresql:// URL means psycopg2 here, whatever SQLAlchemy's default.
        parsed = parsed.set(drivername="postgresql+psycopg2")
    # Sessions in UTC, whatever the server's default: timestamps near the ends
    # of the calendar must not be shifted out of Python's range on the way out.
    connect_args = {"options": "-c timezone=UTC"}
    engine = create_engine(parsed, connect_args=connect_args, **options)
    # Not pre-ping (a round trip per checkout): a look at the socket.
    event.listen(engine, "checkout", _refuse_if_ended)
    return _counted(engine)


def _counted(engine: Engine) -> Engine:
    """Connections in use and statements that raised, in the metrics, and a
    span per statement when traces are exported (the driver-cursor path
    counts and traces its own: driver.py)."""
    event.listen(engine, "checkout", lambda *_: metrics.DB_IN_USE.of().inc())
    event.listen(engine, "checkin", lambda *_: metrics.DB_IN_USE.of().dec())
    event.listen(engine, "handle_error", _failed)
    if traces.exporting():
        event.listen(engine, "before_cursor_execute", _statement_starts)
        event.listen(engine, "after_cursor_execute", _statement_ends)
    return engine


def _failed(context) -> None:
    metrics.DB_ERRORS.of().inc()
    _statement_ends(None, None, None, None, context.execution_context, None)


def _statement_starts(_conn, _cursor, statement, _parameters, context, _many) -> None:
    if context is not None:
        context.trace_span = traces.start_span(traces.statement_name(statement))


def _statement_ends(_conn, _cursor, _statement, _parameters, context, _many) -> None:
    span = getattr(context, "trace_span", None) if context is not None else None
    if span is not None:
        context.trace_span = None
        span.end()


def ended_by_server(dbapi_connection) -> bool:
    """Whether the server has ended this idle PostgreSQL connection.

    Idle in autocommit or between transactions, a connection receives
    nothing unless the server is ending it (a FATAL message, then EOF); an
    asynchronous notice would read the same, and only costs a reconnect.
    """
    if dbapi_connection.closed:
        return True
    poller = io_select.poll()
    poller.register(dbapi_connection.fileno(), io_select.POLLIN | io_select.POLLPRI)
    return bool(poller.poll(0))


def _refuse_if_ended(dbapi_connection, _record, _proxy) -> None:
    """A pool checkout: have the pool replace a connection the server ended."""
    if ended_by_server(dbapi_connection):
        raise DisconnectionError("the database ended this connection")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Binds an engine to a Flask app and scopes sessions to requests."""

    def __init__(self, app: Flask, url: str):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Its own pool, so connections stay in autocommit (no switch per
        # checkout); with no transaction open, nothing to roll back on return.
        self.autocommit_engine = make_engine(
            url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None
        )
        # Each thread keeps one autocommit connection from request to request:
        # a checkout and return per request cost ~25 us of a GET's ~200.
        self.held = threading.local()
        app.extensions["db"] = self
        app.after_request(_commit_on_success)
        app.teardown_request(_close)
        app.register_error_handler(OperationalError, _database_unavailable)


def _session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].sessions()
    return g.db_session


def _commit_on_success(response):
    session = g.pop("db_session", None)
    if session is None:
        return response
    try:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    except OperationalError as error:
        return _database_unavailable(error)
    finally:
        session.close()
    return response


def _database_unavailable(error: DBAPIError):
    """The database is down or unreachable: a clear 503 the client may retry."""
    log.error("database unavailable: %s", error.orig)
    return problem(
        503,
        "The database is unavailable; try again shortly.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def _close(_error=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
    connection = g.pop("db_autocommit", None)
    if connection is not None:
        _release(connection)


def one_transaction() -> None:
    """Make the rest of this request one transaction with its session: what
    would run in autocommit joins it (an idempotent write stores its key and
    its row together)."""
    g.db_one_transaction = True


def autocommit() -> Connection:
    """This request's connection for work that is one statement. Each
    statement is its own transaction: a read sees what is committed when it
    starts; a write is committed when it returns. In a request made one
    transaction, the session's connection (committed with the session)."""
    if g.get("db_one_transaction"):
        return session.connection()
    if "db_autocommit" not in g:
        database = current_app.extensions["db"]
        connection = getattr(database.held, "connection", None)
        if connection is not None and _ended(connection):
            database.held.connection = connection = None
        if connection is None:
            connection = database.held.connection = database.autocommit_engine.connect()
        g.db_autocommit = connection
    return g.db_autocommit


def _ended(connection: Connection) -> bool:
    """Whether a thread's kept connection (held outside the pool, so checked
    here as a checkout would be) can no longer be used; if so it is closed."""
    if connection.closed:
        return True
    if connection.invalidated or (
        connection.dialect.name == "postgresql"
        and ended_by_server(connection.connection.dbapi_connection)
    ):
        connection.invalidate()
        connection.close()
        return True
    return False


def _release(connection: Connection) -> None:
    """End a request's use of its thread's connection. Resetting SQLAlchemy's
    transaction state costs no round trip in autocommit; a connection that
    was invalidated (the database dropped it) or cannot be reset is closed,
    and the thread's next request opens another."""
    try:
        if not connection.invalidated:
            connection.rollback()
            return
    except SQLAlchemyError:
        pass
    connection.close()
    current_app.extensions["db"].held.connection = None


def row_by_id(table: Table, not_found: Callable[[int], Exception]) -> Callable[[int], tuple]:
    """A read of one row by its id, for answering a GET, on the request's
    `autocommit()` connection: the statement is built once and run on the
    driver's cursor (the hottest read there is); `not_found(id)` is raised
    when there is no row."""
    statement = DriverStatement(
        select(*columns.as_stored(table)).where(table.c.id == bindparam("id"))
    )

    def read(row_id: int) -> tuple:
        row = statement.one_or_none(autocommit(), {"id": row_id})
        if row is None:
            raise not_found(row_id)
        return row

    return read


session: Session = LocalProxy(_session)  # type: ignore[assignment]


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db"].engine
