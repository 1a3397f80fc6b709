"""A service whose database drops its connections (a restart, a failover)
answers 503 once per connection it held, then recovers on its own."""

import psycopg2
import pytest

from collections_service.app import MIGRATIONS_DIR, create_app
from collections_service.config import Config
from conftest import migrated_database

# A list goes through SQLAlchemy; one collection is read on the driver's own
# cursor (service_kit/data/driver.py), whose errors must end the same way. There
# is no collection 1: its 404 still needs the query.
READS = [("/api/v1/collections?limit=1", 200), ("/api/v1/collections/1", 404)]


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


@pytest.mark.parametrize(("url", "answer"), READS)
def test_after_the_database_drops_its_connections_one_request_fails_then_all_answer(
    make_database, url, answer
):
    database_url = migrated_database(make_database, "dropped", MIGRATIONS_DIR)
    app = create_app(
        Config(database_url=database_url, log_level="WARNING", locations_url="http://127.0.0.1:1")
    )
    client = app.test_client()
    assert client.get(url).status_code == answer  # this thread now holds a connection

    assert drop_connections(database_url) >= 1

    first = client.get(url)
    assert first.status_code == 503
    assert first.headers["Retry-After"]
    assert [client.get(url).status_code for _ in range(3)] == [answer] * 3
