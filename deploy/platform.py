"""What runs where on this machine: ports, folders, databases, commands."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Service:
    """A service as the platform sees it: a package, its ports, its database."""

    name: str
    package: str
    blue_port: int
    green_port: int
    # Runs `python -m <package> follow` beside its web processes.
    follower: bool = False

    @property
    def app(self) -> str:
        return f"{self.package}.app:create_app()"


SERVICES = (
    Service("locations", "locations_service", 5201, 5202),
    Service("collections", "collections_service", 5101, 5102),
    Service("analytics", "analytics_service", 5301, 5302, follower=True),
)


@dataclass(frozen=True)
class Platform:
    """One running copy of the system: where it listens and keeps its files.

    `make run` uses the defaults; tests make their own with other ports, a
    temporary folder and their own databases, so both can run side by side.
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

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}"

    def port(self, service: Service) -> int:
        """The port of a service's blue colour (the only one before blue-green)."""
        return service.blue_port + self.port_offset

    def database_url(self, service: Service) -> str:
        if self.database == "postgres":
            return f"{self.postgres_url}/{self.database_prefix}{service.name}"
        return f"sqlite:///{self.run_dir.parent / f'{service.name}.db'}"

    def service_env(self, service: Service) -> dict[str, str]:
        """The environment a service's processes (and its migrations) get.

        Services reach each other through the gateway's internal listener.
        """
        return {
            "DATABASE_URL": self.database_url(service),
            "LOCATIONS_URL": self.internal_url,
            "COLLECTIONS_URL": self.internal_url,
            "LOCATIONS_CACHE_TTL": str(self.locations_cache_ttl),
            "PYTHONPATH": str(REPO_ROOT),
            "PATH": os.environ.get("PATH", ""),
        }

    @property
    def bin_dir(self) -> Path:
        return Path(self.python).parent
