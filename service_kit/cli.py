"""The operator commands every service has: `python -m <service> migrate`."""

import argparse
from pathlib import Path

from service_kit.data import migrate


def main(prog: str, migrations_dir: Path, database_url: str, extra: dict | None = None) -> None:
    """Parse the command line and run the command against `database_url`.

    `extra` maps a service's own command names to (help, function).
    """
    extra = extra or {}
    parser = argparse.ArgumentParser(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the migrations up to the head (DATABASE_URL)")
    for name, (help_text, _) in extra.items():
        commands.add_parser(name, help=help_text)
    args = parser.parse_args()
    if args.command == "migrate":
        migrate.upgrade(migrations_dir, database_url)
    else:
        extra[args.command][1]()
