"""`python -m deploy COMMAND`: the local platform's commands (see deploy/README.md).

`run` is `up` in the foreground (Ctrl-C stops everything); `up` starts it in
the background and `down` stops it; `deploy`, `rollback`, `canary` and
`release` change one service's colours while it serves; `status` shows them
and `history` what was done.
"""

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

from deploy import (
    canary_analysis,
    changes,
    compose,
    databases,
    environments,
    gateway,
    history,
    keys,
    local,
    monitoring,
    public_api,
    releases,
    seed,
    state,
    status,
    supervisor,
    switch,
)
from deploy.platform import (
    DEFAULT_POSTGRES,
    Platform,
    SettingError,
    gateway_settings,
    service_named,
)


def _platform(args: argparse.Namespace) -> Platform:
    return Platform(
        run_dir=args.run_dir,
        public_port=args.public_port,
        internal_port=args.internal_port,
        port_offset=args.port_offset,
        database=args.database,
        postgres_url=args.postgres_url,
        database_prefix=args.database_prefix,
        monitor=args.monitor,
        **gateway_settings(),
    )


def run(platform: Platform) -> None:
    """Start everything, say where it answers once it does, and wait for Ctrl-C."""
    print(f"Preparing databases ({platform.database}) and configs...", flush=True)
    process = local.spawn(platform)
    try:
        local.wait_ready(platform, timeout=60)
        print(_banner(platform), flush=True)
        process.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reached supervisord too; a SIGINT sent to this
        # process alone did not. Either way: stop it and wait while it stops all.
        local.stop(process)
    except TimeoutError:
        local.stop(process)
        raise
    sys.exit(process.returncode)


def up(platform: Platform) -> None:
    print(f"Preparing databases ({platform.database}) and configs...", flush=True)
    local.up(replace(platform, log_to_console=False))
    print(f"Up: {platform.public_url} (logs in {platform.run_dir / 'logs'})")
    pages = monitoring.pages(platform)
    print(status.show(local.LocalColours(platform), platform.run_dir, as_json=False, pages=pages))


def _backend(args: argparse.Namespace) -> tuple[switch.Backend, Path]:
    """Where the colours run (this machine, or docker compose) and the state's folder."""
    if args.compose:
        return compose.ComposeColours(), compose.STATE_DIR
    return local.LocalColours(Platform.load(args.run_dir)), args.run_dir


def change(args: argparse.Namespace) -> None:
    """Run one deploy command on one service (deploy/changes.py), then show the status."""
    backend, run_dir = _backend(args)
    source = None
    canary_running = state.load(run_dir)[args.service].canary_percent
    if canary_running and args.command in ("deploy", "canary") and args.ref:
        raise releases.SourceError(
            "a canary is running: `make deploy` promotes it as it runs, `make canary` "
            "changes its share, `make rollback` ends it; none takes a REF"
        )
    if args.command == "release" or (args.command in ("deploy", "canary") and not canary_running):
        if args.compose and (args.ref or args.command == "release"):
            raise releases.SourceError(
                "with --compose the version is the image tag ($TAG), and releases "
                "are measured on the local platform only"
            )
        source = releases.Source(args.ref, args.allow_dirty).resolve()
    command = changes.Command(
        args.command, service_named(args.service), source, getattr(args, "percent", 0)
    )
    changes.run_command(switch.Run(backend, _say, args.ready_timeout), run_dir, command)
    print(status.show(backend, run_dir, as_json=False))


def _keys(run_dir: Path) -> Path:
    """The keys of the platform started in run_dir (made if missing)."""
    try:
        keys_dir = Platform.load(run_dir).keys
    except FileNotFoundError:
        keys_dir = Platform(run_dir=run_dir).keys
    keys.ensure(keys_dir)
    return keys_dir


def _keys_command(args: argparse.Namespace) -> None:
    keys_dir = _keys(args.run_dir)
    if args.action == "rotate":
        print(f"New signing key {keys.rotate(keys_dir)}; the JWKS keeps the old ones.")
    else:
        retired = keys.retire(keys_dir)
        print(f"Retired {', '.join(retired) or 'nothing'}; one key is left.")


def _say(message: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", flush=True)


DASHBOARD_SCOPES = "analytics:read locations:read"


def _banner(platform: Platform) -> str:
    url = platform.public_url
    auth = '-H "Authorization: Bearer $TOKEN"'
    pages = "  ".join(f"{name} {page}" for name, page in monitoring.pages(platform).items())
    pages = f"Monitor: {pages}\n" if pages else ""
    # What a planner reads with: the figures and the places' zones. In the
    # fragment, which never leaves the browser (the page drops it from the
    # address once read).
    reader = keys.mint(platform.keys, "planner", DASHBOARD_SCOPES)
    return (
        f"\nGateway: {url}\n"
        f"Docs:    {url}/api/docs\n"
        f"Dashboard: {url}/dashboard/#token={reader}\n"
        f"{pages}"
        "Token:   TOKEN=$(make -s token)   (every scope, 12 hours;"
        ' make token SCOPE="analytics:read" SUB=crew-7)\n'
        f"Try:     curl -s {auth} {url}/api/v1/collections\n"
        f"         curl -s {auth} -X POST {url}/api/v1/locations \\\n"
        "              -H 'Content-Type: application/json' \\\n"
        '              -d \'{"name": "Depot North", "location_type": "DropOff"}\'\n'
        f"         curl -s {auth} -X POST {url}/api/v1/collections \\\n"
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
        ("up", "start the whole system in the background"),
        ("check-gateway", "render the gateway and nginx -t it"),
    ):
        _platform_options(commands.add_parser(name, help=help_text))
    _deploy_commands(commands)
    seed_parser = commands.add_parser("seed", help="load demo data through the public API")
    seed_parser.add_argument("--run-dir", type=Path, default=Platform.run_dir)
    seed_parser.add_argument("--base-url", default=Platform().public_url)
    seed_parser.add_argument("--locations", type=int, default=50)
    seed_parser.add_argument("--collections", type=int, default=3000)
    seed_parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
    token = commands.add_parser("token", help="print a token for the system started in run-dir")
    token.add_argument("--run-dir", type=Path, default=Platform.run_dir)
    token.add_argument("--scope", help="space-separated scopes (default: every scope)")
    token.add_argument("--sub", default="operator", help="the token's subject")
    token.add_argument("--keys-dir", type=Path, help="the keys themselves (the issuer container's)")
    commands.add_parser("openapi", help="rewrite docs/openapi.json from this working tree")
    rotation = commands.add_parser("keys", help="rotate or retire the embedded signing keys")
    rotation.add_argument("action", choices=("rotate", "retire"))
    rotation.add_argument("--run-dir", type=Path, default=Platform.run_dir)
    return parser


def _deploy_commands(commands) -> None:
    """The commands on a running platform's colours: status, deploy... history."""
    for name, help_text in (
        ("down", "stop what `up` started"),
        ("status", "each service's live colour, versions and health"),
        ("deploy", "start the idle colour at a version and switch to it"),
        ("rollback", "give traffic back to the previous colour (or end a canary)"),
        ("canary", "send PERCENT of a service's requests to its idle colour"),
        ("release", "a canary in steps, judged from Prometheus: promoted or rolled back"),
        ("history", "the deploy log"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--run-dir", type=Path, default=Platform.run_dir)
        if name != "down":
            sub.add_argument(
                "--compose", action="store_true", help="the docker-compose system, not this one"
            )
        if name in ("deploy", "rollback", "canary", "release"):
            _change_options(sub, takes_version=name != "rollback")
        if name == "canary":
            sub.add_argument("percent", type=int)
        if name == "history":
            sub.add_argument("service", nargs="?", help="one service's events only")
        if name in ("status", "history"):
            sub.add_argument("--json", action="store_true", help="as data")


def _change_options(sub: argparse.ArgumentParser, takes_version: bool) -> None:
    sub.add_argument("service", choices=("collections", "locations", "analytics"))
    sub.add_argument(
        "--ready-timeout",
        type=float,
        default=switch.READY_TIMEOUT,
        help="seconds a starting colour has to become ready",
    )
    if takes_version:
        sub.add_argument("--ref", help="the git ref to deploy (default: the current commit)")
        sub.add_argument(
            "--allow-dirty",
            action="store_true",
            help="without --ref, deploy the working tree with its uncommitted changes",
        )


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
    sub.add_argument(
        "--monitor",
        action="store_true",
        help="also run Prometheus, Alertmanager and the exporters (deploy/monitoring.py)",
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
        token = keys.mint(
            _keys(args.run_dir), "seed", "collections:write locations:read locations:write"
        )
        seed.main(args.base_url, args.locations, args.collections, args.seed, token)
    elif args.command == "token":
        keys_dir = args.keys_dir or _keys(args.run_dir)
        print(keys.mint(keys_dir, args.sub, args.scope or " ".join(keys.SCOPES)))
    elif args.command == "keys":
        _keys_command(args)
    elif args.command == "run":
        run(_platform(args))
    elif args.command == "up":
        up(_platform(args))
    elif args.command == "openapi":
        print(f"Wrote {public_api.write_checked_in()}")
    elif args.command == "down":
        stopped = local.down(Platform.load(args.run_dir))
        print("Stopped." if stopped else "Nothing was running.")
    elif args.command == "status":
        backend, run_dir = _backend(args)
        pages = {} if args.compose else monitoring.pages(Platform.load(run_dir))
        print(status.show(backend, run_dir, as_json=args.json, pages=pages))
    elif args.command == "history":
        found = history.events(_backend(args)[1], args.service)
        print("\n".join(map(json.dumps, found)) if args.json else history.table(found))
    elif args.command in ("deploy", "rollback", "canary", "release"):
        change(args)
    else:
        platform = _platform(args)
        gateway.check(gateway.render(platform, state.load(platform.run_dir)))
        print(f"gateway config OK: {platform.run_dir / 'nginx' / 'nginx.conf'}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted (a deploy command ends what it started first: make status)")
    except (
        switch.DeployFailed,
        releases.SourceError,
        environments.EnvironmentFailed,
        canary_analysis.MonitoringUnavailable,
        state.Busy,
        gateway.GatewayConfigError,
        supervisor.SupervisorError,
        databases.MigrationFailed,
        compose.ComposeError,
        local.PortInUse,
        SettingError,
        psycopg2.OperationalError,
        TimeoutError,
        FileNotFoundError,
    ) as error:
        sys.exit(f"error: {error}")
