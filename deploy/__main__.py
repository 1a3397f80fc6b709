"""`python -m deploy run|check-gateway|seed`: the local platform's commands.

`run` migrates, renders the configs, then runs everything under supervisord
in the foreground; Ctrl-C stops supervisord, which stops all it started.
"""

import argparse
import sys
from pathlib import Path

import psycopg2

from deploy import gateway, local, seed
from deploy.platform import DEFAULT_POSTGRES, Platform


def _platform(args: argparse.Namespace) -> Platform:
    return Platform(
        run_dir=args.run_dir,
        public_port=args.public_port,
        internal_port=args.internal_port,
        port_offset=args.port_offset,
        database=args.database,
        postgres_url=args.postgres_url,
        database_prefix=args.database_prefix,
    )


def run(platform: Platform) -> None:
    """Start everything, say where it answers once it does, and wait for Ctrl-C."""
    print(f"Preparing databases ({platform.database}) and configs...", flush=True)
    process = local.spawn(platform)
    try:
        local.wait_ready(platform, timeout=60)
        print(_banner(platform.public_url), flush=True)
        process.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reached supervisord too; a SIGINT sent to this
        # process alone did not. Either way: stop it and wait while it stops all.
        local.stop(process)
    except TimeoutError:
        local.stop(process)
        raise
    sys.exit(process.returncode)


def _banner(url: str) -> str:
    return (
        f"\nGateway: {url}\n"
        f"Try:     curl -s {url}/api/v1/collections\n"
        f"         curl -s -X POST {url}/api/v1/locations \\\n"
        "              -H 'Content-Type: application/json' \\\n"
        '              -d \'{"name": "Depot North", "location_type": "DropOff"}\'\n'
        f"         curl -s -X POST {url}/api/v1/collections \\\n"
        "              -H 'Content-Type: application/json' \\\n"
        '              -d \'{"location": "Depot North", "waste_type": "Plastic", '
        '"quantity": 12.5, "unit": "Kg", "collected_date": "2026-03-01T08:30:00Z"}\'\n'
        "Demo data: `make seed` in another terminal. Ctrl-C stops everything.\n"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("run", "run the whole system in the foreground"),
        ("check-gateway", "render the gateway and nginx -t it"),
    ):
        _platform_options(commands.add_parser(name, help=help_text))
    seed_parser = commands.add_parser("seed", help="load demo data through the public API")
    seed_parser.add_argument("--base-url", default=Platform().public_url)
    seed_parser.add_argument("--locations", type=int, default=50)
    seed_parser.add_argument("--collections", type=int, default=3000)
    seed_parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
    return parser


def _platform_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    sub.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help="server URL without a database name (postgres mode)",
    )
    sub.add_argument(
        "--database-prefix",
        default=Platform.database_prefix,
        help="PostgreSQL database names are this plus the service name",
    )
    sub.add_argument("--public-port", type=int, default=Platform.public_port)
    sub.add_argument("--internal-port", type=int, default=Platform.internal_port)
    sub.add_argument(
        "--port-offset",
        type=int,
        default=0,
        help="added to every service port (to run a second copy)",
    )
    sub.add_argument(
        "--run-dir",
        type=Path,
        default=Platform.run_dir,
        help="configs and logs go here (and SQLite files, one level up)",
    )


def main() -> None:
    args = _parser().parse_args()
    if args.command == "seed":
        seed.main(args.base_url, args.locations, args.collections, args.seed)
    elif args.command == "run":
        run(_platform(args))
    else:
        platform = _platform(args)
        gateway.check(gateway.render(platform))
        print(f"gateway config OK: {platform.run_dir / 'nginx' / 'nginx.conf'}")


if __name__ == "__main__":
    try:
        main()
    except (
        gateway.GatewayConfigError,
        local.PortInUse,
        psycopg2.OperationalError,
        TimeoutError,
    ) as error:
        sys.exit(f"error: {error}")
