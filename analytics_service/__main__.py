"""Operator commands: `python -m analytics_service migrate|sync|follow`.

`sync` applies the whole backlog of the collections feed, printing its
progress; `follow` keeps applying it (each web worker already does, in a
thread, unless FEED_POLL is 0).
"""

import sys
import time

from sqlalchemy.orm import sessionmaker

from analytics_service.app import FEED_AND_PLACES, MIGRATIONS_DIR
from analytics_service.config import Config
from analytics_service.follower import DEFER_MONTHLY_ABOVE, Follower
from service_kit import cli
from service_kit.access.client import own_token
from service_kit.data.db import make_engine
from service_kit.web.outbound import BoundedClient


def _follower(config: Config, defer_monthly_above: int = DEFER_MONTHLY_ABOVE) -> Follower:
    # A loop that runs for days outlives database restarts: check each
    # connection before a batch (requests go without: they answer 503 once).
    engine = make_engine(config.database_url, pool_pre_ping=True)
    sessions = sessionmaker(engine, expire_on_commit=False)
    client = BoundedClient(budget=30.0, token=own_token(config.access, FEED_AND_PLACES))
    return Follower(
        config.collections_url, sessions, client, defer_monthly_above=defer_monthly_above
    )


def sync(config: Config) -> None:
    """Apply the backlog until caught up, printing the position reached; the
    monthly rollups are built once, at the end."""
    follower = _follower(config, defer_monthly_above=0)
    started = time.monotonic()
    while True:
        freshness = follower.catch_up(budget=10.0)
        if freshness.stale:
            sys.exit("error: the collections change feed could not be reached")
        seconds = time.monotonic() - started
        print(f"at position {freshness.position:,}, {seconds:.1f} s", flush=True)
        if freshness.caught_up:
            if not freshness.monthly and follower.build_monthly():
                print(f"monthly rollups built, {time.monotonic() - started:.1f} s", flush=True)
            return


if __name__ == "__main__":
    config = Config.from_env()
    cli.main(
        "python -m analytics_service",
        MIGRATIONS_DIR,
        config.database_url,
        extra={
            "sync": ("apply the change feed until caught up", lambda: sync(config)),
            "follow": ("keep applying the change feed", lambda: _follower(config).follow()),
        },
    )
