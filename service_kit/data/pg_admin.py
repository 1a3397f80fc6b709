"""Create and drop PostgreSQL databases (used by the platform and the tests)."""

import psycopg2
from psycopg2 import sql


def _run(admin_url: str, statement: sql.Composable, params=None) -> list:
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def ensure_database(admin_url: str, name: str) -> None:
    """CREATE DATABASE `name` unless it exists (admin_url names any database)."""
    found = _run(admin_url, sql.SQL("SELECT 1 FROM pg_database WHERE datname = %s"), (name,))
    if not found:
        _run(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str) -> None:
    """DROP DATABASE `name` if it exists, closing its connections."""
    _run(admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def with_database(admin_url: str, name: str) -> str:
    """admin_url with its database name replaced by `name`."""
    server, _, _ = admin_url.rpartition("/")
    return f"{server}/{name}"
