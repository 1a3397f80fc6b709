"""Alembic, driven from code: each service keeps its own history in migrations/."""

import logging
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, pool

from service_kit.data.db import make_engine


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["url"] = url
    return config


def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (the head by default)."""
    command.upgrade(alembic_config(migrations_dir, url), revision)


def downgrade(migrations_dir: Path, url: str, revision: str) -> None:
    """Take the database at `url` back to `revision` ("base" for nothing)."""
    command.downgrade(alembic_config(migrations_dir, url), revision)


def heads(migrations_dir: Path) -> set[str]:
    """The head revisions of a migration history."""
    return set(ScriptDirectory(str(migrations_dir)).get_heads())


def revisions(migrations_dir: Path) -> set[str]:
    """Every revision of a migration history."""
    return {script.revision for script in ScriptDirectory(str(migrations_dir)).walk_revisions()}


def current(connection: Connection) -> set[str]:
    """The revisions a database is at."""
    return set(MigrationContext.configure(connection).get_current_heads())


def ahead(found: set[str], known: set[str]) -> bool:
    """A schema at revisions this history does not know: a newer release's
    migrations wrote it (they only expand, so older code works on it)."""
    return bool(found) and not found & known


def revision_of(url: str) -> set[str]:
    """The revisions the database at `url` is at (none if never migrated)."""
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return current(connection)
    finally:
        engine.dispose()


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    url = context.config.attributes["url"]
    logging.getLogger("alembic").setLevel(logging.INFO)
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
