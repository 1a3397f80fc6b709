"""What runs where on this machine: ports, folders, databases, commands."""

import dataclasses
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from deploy import keys

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
COLOURS = ("blue", "green")
ISSUER_PORT = 5401
SETTINGS_FILE = "platform.json"


def other(colour: str) -> str:
    """The colour that is not `colour`."""
    return COLOURS[1 - COLOURS.index(colour)]


@dataclass(frozen=True)
class Service:
    """A service as the platform sees it: a package, its ports, its database."""

    name: str
    package: str
    blue_port: int
    green_port: int

    @property
    def app(self) -> str:
        return f"{self.package}.app:create_app()"

    def program(self, colour: str) -> str:
        """The one program (supervisord) or container (compose) a colour runs:
        its gunicorn; the analytics feed follower is a thread of each worker."""
        return f"{self.name}-{colour}"


SERVICES = (
    Service("locations", "locations_service", 5201, 5202),
    Service("collections", "collections_service", 5101, 5102),
    Service("analytics", "analytics_service", 5301, 5302),
)


def service_named(name: str) -> Service:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(f"no service {name!r}; the services are {[s.name for s in SERVICES]}")


class SettingError(ValueError):
    """A GATEWAY_* setting is malformed; nothing was started."""


def gateway_settings(env=os.environ) -> dict:
    """The gateway's settings from the environment (README, "Settings"), as
    Platform fields; a setting left unset keeps the Platform default."""
    settings = {}
    for name, field in (
        ("GATEWAY_CLIENT_CONNECTIONS", "client_connections"),
        ("GATEWAY_RATE", "rate"),
        ("GATEWAY_BURST", "burst"),
    ):
        if name in env:
            settings[field] = _count(env, name)
    if "GATEWAY_PUBLIC_ADDRESS" in env:
        settings["public_address"] = env["GATEWAY_PUBLIC_ADDRESS"]
    if "GATEWAY_CORS_ORIGINS" in env:
        origins = env["GATEWAY_CORS_ORIGINS"].split()
        for origin in origins:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
                raise SettingError(f"GATEWAY_CORS_ORIGINS: {origin!r} is not scheme://host[:port]")
        settings["cors_origins"] = " ".join(origins)
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):  # passed on to every colour
        settings["otlp_endpoint"] = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    return settings


def _count(env, name: str) -> int:
    value = env[name]
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise SettingError(f"{name} must be a whole number from 1 to 100000, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Platform:
    """One running copy of the system: where it listens and keeps its files.

    `make run` uses the defaults; tests make their own with other ports, a
    temporary folder and their own databases, so both can run side by side.
    The settings are saved in run_dir, so the deploy commands find them.
    """

    run_dir: Path = REPO_ROOT / "var" / "run"
    public_port: int = 8080
    internal_port: int = 8081
    port_offset: int = 0
    database: str = "sqlite"
    postgres_url: str = DEFAULT_POSTGRES
    database_prefix: str = "waste_"
    log_to_console: bool = True
    python: str = sys.executable
    # How long collections trusts a location found active (LOCATIONS_CACHE_TTL).
    locations_cache_ttl: float = 30.0
    # Seconds between the analytics follower's polls of an idle feed
    # (FEED_POLL); 0 turns it off, as the bulk and analytics benchmarks do.
    feed_poll: float = 0.5
    # Requests in progress at once per client address on the public
    # listener (GATEWAY_CLIENT_CONNECTIONS); more get a 429.
    client_connections: int = 32
    # Requests a second per client (its token, or its address) on the
    # public listener, and how many above that rate it may send at once
    # (GATEWAY_RATE, GATEWAY_BURST); beyond: 429.
    rate: int = 50
    burst: int = 100
    # The public listener's address (GATEWAY_PUBLIC_ADDRESS): this machine
    # only by default; 0.0.0.0 for every interface.
    public_address: str = "127.0.0.1"
    # Origins a browser may call the public API from (GATEWAY_CORS_ORIGINS,
    # space-separated scheme://host[:port]; none by default).
    cors_origins: str = ""
    # Where the services reach locations and collections: the internal
    # listener when empty (the fault tests put a proxy in between).
    locations_url: str = ""
    collections_url: str = ""
    # The embedded identity provider's folder (deploy/keys.py): next to
    # run_dir when empty (var/keys for `make run`); the tests share one.
    keys_dir: str = ""
    # Seconds between two loads of the JWKS by a service (JWKS_REFRESH).
    jwks_refresh: float = 60.0
    # The monitoring stack beside the system (`make run MONITOR=1`:
    # deploy/monitoring.py).
    monitor: bool = False
    # The releases' Python environments and their wheel cache
    # (deploy/environments.py): var/envs when empty, which the tests share.
    envs_dir: str = ""
    # A folder after the release on every colour's PYTHONPATH: the tests'
    # coverage hook (tests/coverage_hook); none otherwise.
    extra_python_path: str = ""
    # Where the services export their spans (OTEL_EXPORTER_OTLP_ENDPOINT,
    # an OTLP/HTTP receiver); none by default.
    otlp_endpoint: str = ""

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}"

    @property
    def keys(self) -> Path:
        return Path(self.keys_dir) if self.keys_dir else self.run_dir.parent / "keys"

    @property
    def envs(self) -> Path:
        return Path(self.envs_dir) if self.envs_dir else REPO_ROOT / "var" / "envs"

    @property
    def issuer_port(self) -> int:
        return ISSUER_PORT + self.port_offset

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.issuer_port}/token"

    def port(self, service: Service, colour: str) -> int:
        base = service.blue_port if colour == "blue" else service.green_port
        return base + self.port_offset

    def database_url(self, service: Service) -> str:
        if self.database == "postgres":
            return f"{self.postgres_url}/{self.database_prefix}{service.name}"
        return f"sqlite:///{self.run_dir.parent / f'{service.name}.db'}"

    def release_dir(self, service: Service, colour: str) -> Path:
        """The copy of the code a colour runs (see deploy/releases.py)."""
        return self.run_dir / "releases" / service.program(colour)

    def service_env(self, service: Service, colour: str) -> dict[str, str]:
        """The environment a colour's processes (and its migrations) get.

        Services reach each other through the gateway's internal listener.
        """
        env = {
            "DATABASE_URL": self.database_url(service),
            "LOCATIONS_URL": self.locations_url or self.internal_url,
            "COLLECTIONS_URL": self.collections_url or self.internal_url,
            "LOCATIONS_CACHE_TTL": str(self.locations_cache_ttl),
            "FEED_POLL": str(self.feed_poll),
            "JWKS_FILE": str(self.keys / "jwks.json"),
            "JWKS_REFRESH": str(self.jwks_refresh),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(self.release_dir(service, colour)), self.extra_python_path])
            ),
            # Metrics: its colour (its version comes from the release folder:
            # gunicorn_defaults.py), and a folder of its own for the workers'
            # shared counters.
            "SERVICE_COLOUR": colour,
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir(service, colour)),
            "PATH": os.environ.get("PATH", ""),
        }
        if self.otlp_endpoint:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = self.otlp_endpoint
        if service.name in keys.CLIENTS:  # it calls others, with a token of its own
            env["TOKEN_URL"] = self.token_url
            env["CLIENT_ID"] = service.name
            env["CLIENT_SECRET"] = keys.client_secret(self.keys, service.name)
        return env

    def metrics_dir(self, service: Service, colour: str) -> Path:
        return self.run_dir / "metrics" / f"{service.name}-{colour}"

    def issuer_env(self) -> dict[str, str]:
        """The embedded identity provider's environment (deploy/issuer.py)."""
        secrets = {
            f"CLIENT_SECRET_{client.upper()}": keys.client_secret(self.keys, client)
            for client in keys.CLIENTS
        }
        return {"KEYS_DIR": str(self.keys), "PATH": os.environ.get("PATH", "")} | secrets

    @property
    def bin_dir(self) -> Path:
        return Path(self.python).parent

    def save(self) -> None:
        """Write the settings to run_dir, for later deploy commands."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        settings = json.dumps(dataclasses.asdict(self), indent=2, default=str)
        (self.run_dir / SETTINGS_FILE).write_text(settings + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> "Platform":
        """The settings a platform started in run_dir was started with."""
        path = run_dir / SETTINGS_FILE
        if not path.exists():
            raise FileNotFoundError(f"nothing was started in {run_dir}: run `make up` first")
        saved = json.loads(path.read_text())
        return cls(**saved | {"run_dir": Path(saved["run_dir"])})
