"""A service whose database ends its connections (a restart, a failover,
`pg_terminate_backend`) notices before a request uses one: no request that
arrives afterwards fails."""

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError

from collections_service.app import MIGRATIONS_DIR, create_app
from collections_service.config import Config
from collections_service.models import Collection
from conftest import access_env, drop_connections, migrated_database, uses_sqlite, with_token
from locations_service.app import MIGRATIONS_DIR as LOCATIONS_MIGRATIONS
from locations_service.app import create_app as create_locations
from locations_service.config import Config as LocationsConfig
from service_kit import config as settings
from service_kit.data.db import ended_by_server, make_engine
from service_kit.data.driver import DriverStatement

pytestmark = pytest.mark.skipif(uses_sqlite(), reason="SQLite has no server to end connections")

# Each way a request reaches the database: one row on the driver's own cursor
# (service_kit/data/driver.py), a page through SQLAlchemy on the thread's
# kept autocommit connection, and a session from the pool (a 404 still runs
# the query: there is no collection 1).
REQUESTS = [
    ("get", "/api/v1/collections/1", 404),
    ("get", "/api/v1/collections?limit=1", 200),
    ("patch", "/api/v1/collections/1", 404),
    ("delete", "/api/v1/collections/1", 404),
]


@pytest.fixture(scope="module")
def collections(make_database, keys_dir, bearer):
    database_url = migrated_database(make_database, "dropped", MIGRATIONS_DIR)
    config = Config(
        database_url=database_url,
        log_level="WARNING",
        locations_url="http://127.0.0.1:1",
        access=settings.access(access_env(keys_dir)),
    )
    return with_token(create_app(config), bearer), database_url


def call(client, method: str, url: str):
    return client.open(
        url, method=method, json={"status": "Completed"} if method == "patch" else None
    )


@pytest.mark.parametrize(("method", "url", "answer"), REQUESTS)
def test_after_the_database_drops_its_connections_every_request_answers(
    collections, method, url, answer
):
    app, database_url = collections
    client = app.test_client()
    for each_method, each_url, _ in REQUESTS:  # every path now holds a connection
        call(client, each_method, each_url)

    assert drop_connections(database_url) >= 2

    assert [call(client, method, url).status_code for _ in range(3)] == [answer] * 3


def test_locations_answer_after_the_drop_too(make_database, keys_dir, bearer):
    database_url = migrated_database(make_database, "dropped_loc", LOCATIONS_MIGRATIONS)
    access = settings.access(access_env(keys_dir))
    app = create_locations(
        LocationsConfig(database_url=database_url, log_level="WARNING", access=access)
    )
    client = with_token(app, bearer).test_client()
    created = client.post("/api/v1/locations", json={"name": "Yard", "location_type": "Public"})
    assert client.get(f"/api/v1/locations/{created.get_json()['id']}").status_code == 200

    drop_connections(database_url)

    assert client.get("/api/v1/locations/1").status_code == 200
    assert client.patch("/api/v1/locations/1", json={"zone": "East"}).status_code == 200


def test_an_idle_connection_the_server_ended_is_recognised_without_a_round_trip(make_database):
    database_url = make_database("ended")
    engine = make_engine(database_url, poolclass=None)
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert not ended_by_server(raw)

        drop_connections(database_url)

        assert ended_by_server(raw)
    engine.dispose()


def test_a_connection_lost_mid_request_is_sqlalchemys_error_and_invalidated(make_database):
    """What a request meets when the server ends its connection after the
    checkout check: the database handlers answer 503, the connection is
    replaced (service_kit/data/db.py)."""
    url = migrated_database(make_database, "driver_lost", MIGRATIONS_DIR)
    engine = make_engine(url)
    table = Collection.__table__
    statement = DriverStatement(select(table.c.id).where(table.c.id == bindparam("id")))
    with engine.connect() as connection:
        drop_connections(url)

        with pytest.raises(OperationalError) as raised:
            statement.one_or_none(connection, {"id": 1})

        assert raised.value.connection_invalidated
        assert connection.invalidated
    engine.dispose()
