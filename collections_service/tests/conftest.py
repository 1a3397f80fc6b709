"""app -> db -> client, on a database migrated by the service's own history."""

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from collections_service.app import MIGRATIONS_DIR, create_app
from collections_service.config import Config
from collections_service.models import Collection
from service_kit import migrate


@pytest.fixture(scope="session")
def database_url(make_database):
    url = make_database("collections")
    migrate.upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="session")
def app(database_url):
    return create_app(Config(database_url=database_url, log_level="WARNING"))


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
