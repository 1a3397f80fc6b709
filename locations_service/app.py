"""The locations service's app factory (gunicorn: `locations_service.app:create_app()`)."""

from pathlib import Path

from flask import Flask

from locations_service.config import Config
from locations_service.models import IDEMPOTENCY_KEYS
from locations_service.routes import blp
from service_kit.factory import ServiceSpec, create_base_app

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SPEC = ServiceSpec(
    import_name=__name__,
    title="locations",
    version="1.0.0",
    migrations_dir=MIGRATIONS_DIR,
    idempotency_keys=IDEMPOTENCY_KEYS,
)


def create_app(config: Config | None = None) -> Flask:
    """Build the locations service from `config` (the environment by default)."""
    config = config or Config.from_env()
    app, api = create_base_app(SPEC, config)
    api.register_blueprint(blp)
    return app
