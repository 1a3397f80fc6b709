"""The benchmarks' own copy of the system: PostgreSQL, ports 29080/29081,
services +22000, databases created for the run and dropped after it, and
the token every benchmark request sends (`tests.conftest.http`)."""

import os
import uuid
from contextlib import contextmanager

from deploy import keys, local
from deploy.platform import Platform
from tests.conftest import http

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def own_system(feed_poll: float = 0.5):
    """Start the system under supervisord; stop it and drop its databases after.

    feed_poll=0: analytics does not follow the feed in the background.
    """
    prefix = f"bench_{uuid.uuid4().hex[:6]}_"
    system = Platform(
        run_dir=Platform.run_dir.parent / "bench" / "run",
        public_port=29080,
        internal_port=29081,
        port_offset=22000,
        database="postgres",
        postgres_url=ADMIN_URL.rpartition("/")[0],
        database_prefix=prefix,
        log_to_console=False,
        feed_poll=feed_poll,
        # One client (this machine) sends the whole load: no per-client limits.
        rate=1_000_000,
        burst=1_000_000,
        client_connections=10_000,
    )
    with local.throwaway(system, ADMIN_URL):
        http.token = keys.mint(system.keys, "bench")
        yield system


def use_token(token: str | None) -> None:
    """For a system at --base-url: the token its scripts send (`make token` there)."""
    if not token:
        raise SystemExit("error: --base-url needs --token (a token with every scope)")
    http.token = token
