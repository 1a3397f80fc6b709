"""Operator commands: `python -m locations_service migrate`."""

from locations_service.app import MIGRATIONS_DIR
from locations_service.config import Config
from service_kit import cli

if __name__ == "__main__":
    cli.main("python -m locations_service", MIGRATIONS_DIR, Config.from_env().database_url)
