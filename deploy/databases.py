"""Create each service's database when missing and apply its migrations."""

import subprocess

from deploy.platform import SERVICES, Platform, Service
from service_kit import pg_admin


def migrate(platform: Platform, service: Service) -> None:
    """Run the service's own migrate command against its database."""
    subprocess.run(
        [platform.python, "-m", service.package, "migrate"],
        env=platform.service_env(service),
        check=True,
    )


def prepare(platform: Platform) -> None:
    """Every service's database exists and is at its migration head."""
    platform.run_dir.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        if platform.database == "postgres":
            pg_admin.ensure_database(
                f"{platform.postgres_url}/postgres", f"{platform.database_prefix}{service.name}"
            )
        migrate(platform, service)
