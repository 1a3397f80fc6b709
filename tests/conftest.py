"""The whole system, started once for these tests: real nginx, gunicorn, PostgreSQL.

It runs on its own ports (gateway 18080/18081, services +10000) and its own
databases, so it never meets a `make run` on the same machine.
"""

import subprocess
import sys
import uuid

import pytest
import requests
from sqlalchemy import text

from conftest import TEST_DATABASE_URL, uses_sqlite
from deploy import local
from deploy.platform import REPO_ROOT, Platform, service_named
from service_kit.data.db import make_engine

TEST_PUBLIC_PORT = 18080
TEST_INTERNAL_PORT = 18081
TEST_PORT_OFFSET = 10000
# Short, so tests can watch an archived location stop being accepted.
LOCATIONS_CACHE_TTL = 1.0


def _server_url(database_url: str) -> str:
    return database_url.rpartition("/")[0]


def make_platform(run_dir, public_port: int, internal_port: int, port_offset: int) -> Platform:
    """A platform of a test's own: its ports, its folder, its own databases."""
    if uses_sqlite():
        pytest.fail("the system tests need PostgreSQL: set TEST_DATABASE_URL to a server")
    return Platform(
        run_dir=run_dir,
        public_port=public_port,
        internal_port=internal_port,
        port_offset=port_offset,
        database="postgres",
        postgres_url=_server_url(TEST_DATABASE_URL),
        database_prefix=f"test_{uuid.uuid4().hex[:8]}_",
        log_to_console=False,
        locations_cache_ttl=LOCATIONS_CACHE_TTL,
    )


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("system") / "run"
    return make_platform(run_dir, TEST_PUBLIC_PORT, TEST_INTERNAL_PORT, TEST_PORT_OFFSET)


@pytest.fixture(scope="session")
def system(platform):
    with local.throwaway(platform, TEST_DATABASE_URL):
        yield platform


def deploy_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m deploy ARGS` from the repository, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "deploy", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def rows(platform: Platform, service: str, query: str, **params) -> list[tuple]:
    """What `query` finds in one service's database of this platform."""
    engine = make_engine(platform.database_url(service_named(service)))
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(query), params)]
    engine.dispose()
    return found


# Every location name the system tests record collections at.
KNOWN_LOCATIONS = ("Depot North", "Contract Yard")


def add_location(base_url: str, name: str, **fields) -> dict:
    """Create a location through the gateway and return it."""
    body = {"name": name, "location_type": "DropOff", "zone": "North"} | fields
    response = requests.post(f"{base_url}/api/v1/locations", json=body, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session")
def public(system) -> str:
    for name in KNOWN_LOCATIONS:
        add_location(system.public_url, name)
    return system.public_url


@pytest.fixture(scope="session")
def internal(system) -> str:
    return system.internal_url


@pytest.fixture
def fresh_location(public) -> str:
    """A new active location of this test's own, so its rows are its own."""
    return add_location(public, f"Test Yard {uuid.uuid4().hex[:10]}")["name"]
