"""The Alembic history builds exactly the schema the models describe, and unwinds."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from collections_service.app import MIGRATIONS_DIR
from collections_service.models import Base
from service_kit import migrate
from service_kit.db import make_engine


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


def test_migrations_downgrade_to_nothing_and_back(make_database):
    url = make_database("collections_roundtrip")
    engine = make_engine(url)

    migrate.upgrade(MIGRATIONS_DIR, url)
    migrate.downgrade(MIGRATIONS_DIR, url, "base")
    assert "collections" not in inspect(engine).get_table_names()
    migrate.upgrade(MIGRATIONS_DIR, url)
    assert "collections" in inspect(engine).get_table_names()
    engine.dispose()
