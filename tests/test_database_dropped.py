"""A service whose database drops its connections (a restart, a failover)
answers 503 once per connection it held, then recovers on its own."""

import psycopg2

from collections_service.app import MIGRATIONS_DIR, create_app
from collections_service.config import Config
from conftest import migrated_database

URL = "/api/v1/collections?limit=1"


def drop_connections(database_url: str) -> int:
    """What a database restart does to clients: every connection to it ends."""
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_after_the_database_drops_its_connections_one_request_fails_then_all_answer(
    make_database,
):
    database_url = migrated_database(make_database, "dropped", MIGRATIONS_DIR)
    app = create_app(
        Config(database_url=database_url, log_level="WARNING", locations_url="http://127.0.0.1:1")
    )
    client = app.test_client()
    assert client.get(URL).status_code == 200  # this thread now holds a connection

    assert drop_connections(database_url) >= 1

    first = client.get(URL)
    assert first.status_code == 503
    assert first.headers["Retry-After"]
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
