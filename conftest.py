"""Fixtures every test folder shares: throwaway databases for this run."""

import os
import uuid

import pytest

from service_kit import pg_admin

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def uses_sqlite() -> bool:
    return TEST_DATABASE_URL.startswith("sqlite")


@pytest.fixture(scope="session")
def make_database(tmp_path_factory):
    """Return a function that creates an empty database; all are dropped at the end."""
    created: list[str] = []
    run = uuid.uuid4().hex[:8]

    def make(name: str) -> str:
        if uses_sqlite():
            return f"sqlite:///{tmp_path_factory.mktemp('db') / name}.db"
        database = f"test_{run}_{name}"
        pg_admin.ensure_database(TEST_DATABASE_URL, database)
        created.append(database)
        return pg_admin.with_database(TEST_DATABASE_URL, database)

    yield make
    for database in created:
        pg_admin.drop_database(TEST_DATABASE_URL, database)
