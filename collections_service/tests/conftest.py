"""app -> db -> client, on a database migrated by the service's own history,
with a real locations service (gunicorn, its own database) to check names."""

import pytest
import requests
from sqlalchemy import delete
from sqlalchemy.orm import Session

from collections_service.app import MIGRATIONS_DIR, create_app
from collections_service.config import Config
from collections_service.models import Collection
from conftest import migrated_database, service_process
from locations_service.app import MIGRATIONS_DIR as LOCATIONS_MIGRATIONS

LOCATIONS_PORT = 15290
# Every name the tests use for collections exists as an active location.
KNOWN_LOCATIONS = ("Depot North", "Depot South", "A", "B", "C")


@pytest.fixture(scope="session")
def locations_server(make_database, tmp_path_factory):
    """The real locations service on its own port; yields its base URL."""
    url = migrated_database(make_database, "locations_for_collections", LOCATIONS_MIGRATIONS)
    log = tmp_path_factory.mktemp("locations") / "locations.log"
    with service_process("locations_service", LOCATIONS_PORT, {"DATABASE_URL": url}, log) as proc:
        base = f"http://127.0.0.1:{LOCATIONS_PORT}"
        for name in KNOWN_LOCATIONS:
            add_location(base, name)
        yield LocationsServer(base, proc, log)


class LocationsServer:
    def __init__(self, url, process, log):
        self.url, self.process, self.log = url, process, log


def add_location(base_url: str, name: str) -> dict:
    response = requests.post(
        f"{base_url}/api/v1/locations", json={"name": name, "location_type": "Public"}, timeout=5
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session")
def database_url(make_database):
    return migrated_database(make_database, "collections", MIGRATIONS_DIR)


@pytest.fixture(scope="session")
def config(database_url, locations_server) -> Config:
    return Config(
        database_url=database_url, log_level="WARNING", locations_url=locations_server.url
    )


@pytest.fixture(scope="session")
def app(config):
    return create_app(config)


@pytest.fixture
def db(app):
    """A session on the service's database, emptied before each test."""
    engine = app.extensions["db"].engine
    with engine.begin() as connection:
        connection.execute(delete(Collection))
    with Session(engine) as session:
        yield session


@pytest.fixture
def client(app, db):
    return app.test_client()
