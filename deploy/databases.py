"""Create each service's database when missing and apply its migrations."""

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404

from sqlalchemy.exc import SQLAlchemyError

from deploy import releases
from deploy.platform import SERVICES, Platform, Service
from service_kit.data import pg_admin
from service_kit.data.migrate import ahead, revision_of, revisions


class MigrationFailed(RuntimeError):
    """A service's migrate command failed; its output says why."""


def migrate(platform: Platform, service: Service, colour: str) -> None:
    """Run the migrate command of a colour's release against the service's database.

    Migrations are expand-only when they ship (deploy/README.md), so the live
    colour keeps working on the schema this leaves. A database already ahead
    of the release (an older version deployed again) is left as it is.
    """
    known = revisions(platform.release_dir(service, colour) / service.package / "migrations")
    try:
        found = revision_of(platform.database_url(service))
    except SQLAlchemyError as error:
        raise MigrationFailed(
            f"{service.name}: cannot read its schema's revision: {error}"
        ) from error
    if ahead(found, known):
        return
    # The release's own python, our own arguments.
    result = subprocess.run(  # nosec B603
        [str(releases.python(platform, service, colour)), "-m", service.package, "migrate"],
        cwd=platform.release_dir(service, colour),
        env=platform.service_env(service, colour),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        said = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise MigrationFailed(f"{service.name} migrations failed: " + " | ".join(said))


def prepare(platform: Platform, live: dict[str, str]) -> None:
    """Every service's database exists and is at the head of its live colour."""
    platform.run_dir.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        if platform.database == "postgres":
            pg_admin.ensure_database(
                f"{platform.postgres_url}/postgres", f"{platform.database_prefix}{service.name}"
            )
        migrate(platform, service, live[service.name])
