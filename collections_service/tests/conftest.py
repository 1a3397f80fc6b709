"""app -> db -> client, on a database migrated by the service's own history,
with a real locations service (gunicorn, its own database) to check names."""

from dataclasses import replace

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from collections_service.app import MIGRATIONS_DIR, create_app
from collections_service.config import Config
from collections_service.models import Collection
from conftest import access_env, bearer_session, migrated_database, service_process, with_token
from locations_service.app import MIGRATIONS_DIR as LOCATIONS_MIGRATIONS
from service_kit import config as settings

LOCATIONS_PORT = 15290
# A name whose CSV cell needs quoting (a bulk import writes CSV for COPY).
QUOTED_PLACE = 'Pier 4, "Old" Dock'
# Every name the tests use for collections exists as an active location.
KNOWN_LOCATIONS = ("Depot North", "Depot South", "A", "B", "C", QUOTED_PLACE)


@pytest.fixture(scope="session")
def locations_server(make_database, tmp_path_factory, keys_dir, bearer):
    """The real locations service on its own port, trusting the tests' keys."""
    url = migrated_database(make_database, "locations_for_collections", LOCATIONS_MIGRATIONS)
    log = tmp_path_factory.mktemp("locations") / "locations.log"
    env = {"DATABASE_URL": url, **access_env(keys_dir)}
    with service_process("locations_service", LOCATIONS_PORT, env, log) as process:
        server = LocationsServer(f"http://127.0.0.1:{LOCATIONS_PORT}", process, log, bearer)
        for name in KNOWN_LOCATIONS:
            server.add(name)
        yield server


class LocationsServer:
    """The locations service, and an operator's writes to it."""

    def __init__(self, url: str, process, log, token: str):
        self.url, self.process, self.log = url, process, log
        self.http = bearer_session(token)

    def add(self, name: str) -> dict:
        body = {"name": name, "location_type": "Public"}
        response = self.http.post(f"{self.url}/api/v1/locations", json=body, timeout=5)
        assert response.status_code == 201, response.text
        return response.json()

    def archive(self, location: dict) -> None:
        url = f"{self.url}/api/v1/locations/{location['id']}"
        assert self.http.delete(url, timeout=5).status_code == 204


@pytest.fixture(scope="session")
def database_url(make_database):
    return migrated_database(make_database, "collections", MIGRATIONS_DIR)


@pytest.fixture(scope="session")
def config(database_url, locations_server, keys_dir, issuer) -> Config:
    return Config(
        database_url=database_url,
        log_level="WARNING",
        locations_url=locations_server.url,
        access=settings.access(access_env(keys_dir, "collections", issuer)),
    )


@pytest.fixture(scope="session")
def app(config, bearer):
    return with_token(create_app(config), bearer)


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


@pytest.fixture
def app_with(config, bearer):
    """An app with some settings changed (the same database), its clients
    sending the tester's token."""
    return lambda **changes: with_token(create_app(replace(config, **changes)), bearer)
