"""Analytics in process, fed by the real collections and locations services
(each under gunicorn with its own database), reset before every test."""

import uuid
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import text

from analytics_service.app import MIGRATIONS_DIR, create_app
from analytics_service.config import Config
from collections_service.app import MIGRATIONS_DIR as COLLECTIONS_MIGRATIONS
from conftest import access_env, bearer_session, migrated_database, service_process, with_token
from locations_service.app import MIGRATIONS_DIR as LOCATIONS_MIGRATIONS
from service_kit import config as settings
from service_kit.data.db import make_engine

LOCATIONS_PORT = 15390
COLLECTIONS_PORT = 15391


@pytest.fixture(scope="session")
def upstreams(make_database, tmp_path_factory, keys_dir, issuer, bearer):
    """Base URLs of the real locations and collections services, and the latter's database."""
    logs = tmp_path_factory.mktemp("upstreams")
    locations_db = migrated_database(make_database, "an_locations", LOCATIONS_MIGRATIONS)
    collections_db = migrated_database(make_database, "an_collections", COLLECTIONS_MIGRATIONS)
    locations = f"http://127.0.0.1:{LOCATIONS_PORT}"
    env = {
        "DATABASE_URL": collections_db,
        "LOCATIONS_URL": locations,
        "LOCATIONS_CACHE_TTL": "0",
        **access_env(keys_dir, "collections", issuer),
    }
    with (
        service_process(
            "locations_service",
            LOCATIONS_PORT,
            {"DATABASE_URL": locations_db, **access_env(keys_dir)},
            logs / "locations.log",
        ) as locations_process,
        service_process(
            "collections_service", COLLECTIONS_PORT, env, logs / "collections.log"
        ) as collections_process,
    ):
        yield Upstreams(
            locations=locations,
            collections=f"http://127.0.0.1:{COLLECTIONS_PORT}",
            collections_db=collections_db,
            locations_db=locations_db,
            locations_process=locations_process,
            collections_process=collections_process,
            token=bearer,
        )


@dataclass
class Upstreams:
    locations: str
    collections: str
    collections_db: str
    locations_db: str
    locations_process: object
    collections_process: object
    token: str  # every scope: a tester's


@pytest.fixture(scope="session")
def config(make_database, upstreams, keys_dir, issuer) -> Config:
    url = migrated_database(make_database, "analytics", MIGRATIONS_DIR)
    return Config(
        database_url=url,
        log_level="WARNING",
        access=settings.access(access_env(keys_dir, "analytics", issuer)),
        collections_url=upstreams.collections,
        locations_url=upstreams.locations,
        catch_up_budget=5.0,
        locations_refresh=0.0,
    )


@pytest.fixture(scope="session")
def app(config, bearer):
    return with_token(create_app(config), bearer)


@pytest.fixture(autouse=True)
def empty(upstreams, config, app):
    """Every test starts with no collections, an empty replica and a new feed
    (which the app's follower is told of, as after a restore)."""
    reset(upstreams, config, app)


def reset(upstreams, config, app) -> None:
    collections = make_engine(upstreams.collections_db)
    with collections.begin() as connection:
        connection.execute(text("DELETE FROM collections"))
        connection.execute(text("DELETE FROM collection_changes"))
        connection.execute(text("UPDATE feed_counter SET position = 0"))
    collections.dispose()
    analytics = make_engine(config.database_url)
    with analytics.begin() as connection:
        for table in ("facts", "daily_totals", "monthly_totals", "place_totals", "known_locations"):
            connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(
            text("UPDATE feed_cursor SET position = 0, data_as_of = NULL, monthly_position = 0")
        )
    analytics.dispose()
    app.extensions["analytics"].forget()


@pytest.fixture
def client(app):
    return app.test_client()


class World:
    """Writes through the real services' APIs, as crews and operators do."""

    def __init__(self, upstreams):
        self.upstreams = upstreams
        self.http = bearer_session(upstreams.token)

    def place(self, name: str | None = None, zone: str | None = "North", **fields) -> str:
        name = name or f"Yard {uuid.uuid4().hex[:8]}"
        body = {"name": name, "zone": zone, "location_type": "Public"} | fields
        response = self.http.post(
            f"{self.upstreams.locations}/api/v1/locations", json=body, timeout=5
        )
        assert response.status_code == 201, response.text
        return name

    def record(
        self,
        location: str,
        quantity: float = 1,
        unit: str = "Kg",
        waste_type: str = "Plastic",
        when: str = "2026-03-02T10:00:00Z",
        status: str = "Pending",
    ) -> dict:
        body = {
            "location": location,
            "quantity": quantity,
            "unit": unit,
            "waste_type": waste_type,
            "collected_date": when,
            "status": status,
        }
        response = self.http.post(
            f"{self.upstreams.collections}/api/v1/collections", json=body, timeout=5
        )
        assert response.status_code == 201, response.text
        return response.json()

    def change(self, collection_id: int, **fields) -> None:
        url = f"{self.upstreams.collections}/api/v1/collections/{collection_id}"
        assert self.http.patch(url, json=fields, timeout=5).status_code == 200

    def remove(self, collection_id: int) -> None:
        url = f"{self.upstreams.collections}/api/v1/collections/{collection_id}"
        assert self.http.delete(url, timeout=5).status_code == 204


@pytest.fixture
def world(upstreams) -> World:
    return World(upstreams)


@pytest.fixture
def app_with(config, bearer):
    """An analytics app with some settings changed (same database)."""
    return lambda **changes: with_token(create_app(replace(config, **changes)), bearer)
