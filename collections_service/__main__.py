"""Operator commands: `python -m collections_service migrate`."""

import argparse

from collections_service.app import MIGRATIONS_DIR
from collections_service.config import Config
from service_kit import migrate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m collections_service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the migrations up to the head (DATABASE_URL)")
    args = parser.parse_args()
    if args.command == "migrate":
        config = Config.from_env()
        migrate.upgrade(MIGRATIONS_DIR, config.database_url)


if __name__ == "__main__":
    main()
