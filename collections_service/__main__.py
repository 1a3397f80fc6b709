"""Operator commands: `python -m collections_service migrate`."""

from collections_service.app import MIGRATIONS_DIR
from collections_service.config import Config
from service_kit import cli

if __name__ == "__main__":
    cli.main("python -m collections_service", MIGRATIONS_DIR, Config.from_env().database_url)
