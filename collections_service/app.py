"""The collections service's app factory (gunicorn: `collections_service.app:create_app()`)."""

from pathlib import Path

from flask import Flask

from collections_service import metrics
from collections_service.config import Config
from collections_service.feed_routes import feed_blp
from collections_service.locations import LocationDirectory
from collections_service.models import IDEMPOTENCY_KEYS
from collections_service.routes import blp
from service_kit.access.client import own_token
from service_kit.factory import ServiceSpec, create_base_app
from service_kit.web.outbound import BoundedClient

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SPEC = ServiceSpec(
    import_name=__name__,
    title="collections",
    version="1.0.0",
    migrations_dir=MIGRATIONS_DIR,
    idempotency_keys=IDEMPOTENCY_KEYS,
)


def create_app(config: Config | None = None) -> Flask:
    """Build the collections service from `config` (the environment by default)."""
    config = config or Config.from_env()
    app, api = create_base_app(SPEC, config)
    metrics.start()
    app.extensions["locations"] = LocationDirectory(
        config.locations_url,
        config.locations_cache_ttl,
        BoundedClient(token=own_token(config.access, "locations:read")),
    )
    api.register_blueprint(blp)
    api.register_blueprint(feed_blp)
    return app
