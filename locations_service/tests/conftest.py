"""app -> db -> client, on a database migrated by the service's own history."""

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from conftest import access_env, migrated_database, with_token
from locations_service.app import MIGRATIONS_DIR, create_app
from locations_service.config import Config
from locations_service.models import Location
from service_kit import config as settings


@pytest.fixture(scope="session")
def database_url(make_database):
    return migrated_database(make_database, "locations", MIGRATIONS_DIR)


@pytest.fixture(scope="session")
def app(database_url, keys_dir, bearer):
    access = settings.access(access_env(keys_dir))
    return with_token(
        create_app(Config(database_url=database_url, log_level="WARNING", access=access)), bearer
    )


@pytest.fixture
def db(app):
    """A session on the service's database, emptied before each test."""
    engine = app.extensions["db"].engine
    with engine.begin() as connection:
        connection.execute(delete(Location))
    with Session(engine) as session:
        yield session


@pytest.fixture
def client(app, db):
    return app.test_client()
