"""The benchmarks' own copy of the system: PostgreSQL, ports 38080/38081,
services +30000, databases created for the run and dropped after it."""

import os
import uuid
from contextlib import contextmanager

from deploy import local
from deploy.platform import SERVICES, Platform
from service_kit import pg_admin

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def own_system():
    """Start the system under supervisord; stop it and drop its databases after."""
    prefix = f"bench_{uuid.uuid4().hex[:6]}_"
    system = Platform(
        run_dir=Platform.run_dir.parent / "bench" / "run",
        public_port=38080,
        internal_port=38081,
        port_offset=30000,
        database="postgres",
        postgres_url=ADMIN_URL.rpartition("/")[0],
        database_prefix=prefix,
        log_to_console=False,
    )
    process = local.start(system)
    try:
        yield system
    finally:
        local.stop(process)
        for service in SERVICES:
            pg_admin.drop_database(ADMIN_URL, f"{prefix}{service.name}")
