"""The analytics service's app factory (gunicorn: `analytics_service.app:create_app()`)."""

from pathlib import Path

from flask import Flask

from analytics_service import local_time, metrics
from analytics_service.config import Config
from analytics_service.follower import Follower
from analytics_service.places import Places
from analytics_service.routes import blp
from analytics_service.service import Analytics
from analytics_service.units import Kilograms
from service_kit.access.client import own_token
from service_kit.factory import ServiceSpec, create_base_app
from service_kit.web.outbound import BoundedClient

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# What analytics asks of the others: the collections feed and the places.
FEED_AND_PLACES = "collections:feed locations:read"
SPEC = ServiceSpec(
    import_name=__name__,
    title="analytics",
    version="1.0.0",
    migrations_dir=MIGRATIONS_DIR,
)


def create_app(config: Config | None = None) -> Flask:
    """Build the analytics service from `config` (the environment by default)."""
    config = config or Config.from_env()
    app, api = create_base_app(SPEC, config)
    database = app.extensions["db"]
    for engine in (database.engine, database.autocommit_engine):
        local_time.register(engine)
    metrics.start()
    client = BoundedClient(token=own_token(config.access, FEED_AND_PLACES))
    # Small pages and batches here: a 50,000-change batch of 10,000-change
    # pages (what `sync` uses on a large backlog) held ~50 MB that the worker,
    # and the collections worker serving the pages, kept for good.
    sessions = app.extensions["db"].sessions
    app.extensions["analytics"] = Analytics(
        follower=Follower(config.collections_url, sessions, client, page=2_000, batch=10_000),
        places=Places(config.locations_url, config.locations_refresh, client),
        kilograms=Kilograms(config.kg_per_liter, config.factors_source),
        catch_up_budget=config.catch_up_budget,
        feed_poll=config.feed_poll,
    )
    api.register_blueprint(blp)
    return app
