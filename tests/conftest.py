"""The whole system, started once for these tests: real nginx, gunicorn, PostgreSQL.

It runs on its own ports (gateway 18080/18081, services +10000) and its own
databases, so it never meets a `make run` on the same machine.
"""

import contextlib
import os
import subprocess
import sys
import sysconfig
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from conftest import TEST_DATABASE_URL, bearer_session, uses_sqlite
from deploy import local, monitoring, supervisor
from deploy.platform import REPO_ROOT, Platform, service_named
from service_kit.data.db import make_engine

TEST_PUBLIC_PORT = 18080
TEST_INTERNAL_PORT = 18081
TEST_PORT_OFFSET = 10000
# Short, so tests can watch an archived location stop being accepted.
LOCATIONS_CACHE_TTL = 1.0


def _server_url(database_url: str) -> str:
    return database_url.rpartition("/")[0]


class Api:
    """The tester's HTTP client: requests' own functions, each call sending
    the tester's token (every scope; set once per run). A call without a
    token, or with another, uses requests itself."""

    token = ""

    def request(self, method: str, url: str, **options) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} | options.pop("headers", {})
        return requests.request(method, url, headers=headers, **options)

    def session(self) -> requests.Session:
        """A keep-alive session of its own (one per thread) with the token."""
        return bearer_session(self.token)

    def get(self, url: str, **options) -> requests.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options) -> requests.Response:
        return self.request("POST", url, **options)

    def put(self, url: str, **options) -> requests.Response:
        return self.request("PUT", url, **options)

    def patch(self, url: str, **options) -> requests.Response:
        return self.request("PATCH", url, **options)

    def delete(self, url: str, **options) -> requests.Response:
        return self.request("DELETE", url, **options)

    def options(self, url: str, **options) -> requests.Response:
        return self.request("OPTIONS", url, **options)


http = Api()


@pytest.fixture(scope="session", autouse=True)
def _the_testers_token(bearer):
    http.token = bearer


# Under `coverage run` (make test), each colour measures itself too:
# tests/coverage_hook/sitecustomize.py loads coverage from a folder holding
# only the venv's coverage package, so a colour can import nothing else its
# own environment lacks (a package missing from a lock still fails here).
MEASURING = bool(os.environ.get("COVERAGE_PROCESS_CONFIG"))
COVERAGE_HOOK = REPO_ROOT / "tests" / "coverage_hook"


def _coverage_only() -> str:
    folder = REPO_ROOT / "var" / "coverage" / "site"
    link = folder / "coverage"
    if not link.exists():
        folder.mkdir(parents=True, exist_ok=True)
        target = Path(sysconfig.get_paths()["purelib"]) / "coverage"
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            link.symlink_to(target, target_is_directory=True)
    return str(folder)


if MEASURING:
    os.environ["COVERAGE_VENV_SITE"] = _coverage_only()


# A platform listens on its service, issuer and monitoring ports (5101-5506)
# plus its offset.
HIGHEST_BASE_PORT = monitoring.GATEWAY_METRICS_PORT
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _outside_the_ephemeral_range(*ports: int) -> None:
    """A port the kernel may hand any outgoing connection (32768 and up on
    Linux) is sometimes taken when a platform starts: tests stay below it."""
    lowest = int(EPHEMERAL_RANGE.read_text().split()[0]) if EPHEMERAL_RANGE.exists() else 32768
    if taken := [port for port in ports if port >= lowest]:
        pytest.fail(f"ports {taken} are in the kernel's ephemeral range (from {lowest})")


def make_platform(
    run_dir, public_port: int, internal_port: int, port_offset: int, keys_dir
) -> Platform:
    """A platform of a test's own: its ports, its folder, its own databases;
    the keys every test trusts (conftest.py, `keys_dir`), and limits raised
    far above what tests send (the rate-limit tests set their own)."""
    if uses_sqlite():
        pytest.fail("the system tests need PostgreSQL: set TEST_DATABASE_URL to a server")
    _outside_the_ephemeral_range(public_port, internal_port, port_offset + HIGHEST_BASE_PORT)
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
        keys_dir=str(keys_dir),
        jwks_refresh=1.0,
        rate=100_000,
        burst=100_000,
        extra_python_path=str(COVERAGE_HOOK) if MEASURING else "",
    )


@pytest.fixture(scope="session")
def platform(tmp_path_factory, keys_dir):
    run_dir = tmp_path_factory.mktemp("system") / "run"
    return make_platform(run_dir, TEST_PUBLIC_PORT, TEST_INTERNAL_PORT, TEST_PORT_OFFSET, keys_dir)


@pytest.fixture(scope="session")
def system(platform):
    with local.throwaway(platform, TEST_DATABASE_URL):
        yield platform


def deploy_cli(
    *args: str, timeout: float = 300, settings: dict | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m deploy ARGS` from the repository, as an operator would
    (with `settings` added to the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "deploy", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(settings or {})},
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


def add_location(base_url: str, name: str, token: str | None = None, **fields) -> dict:
    """Create a location through the gateway (with the tester's token, or
    `token`) and return it."""
    body = {"name": name, "location_type": "DropOff", "zone": "North"} | fields
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.post(f"{base_url}/api/v1/locations", json=body, headers=headers, timeout=5)
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


@contextmanager
def stopped(platform: Platform, program: str):
    """A supervisord program of the platform stopped for a while, then started
    again and the platform ready."""
    supervisor.supervisorctl(platform, "stop", program)
    try:
        yield
    finally:
        supervisor.supervisorctl(platform, "start", program)
        local.wait_ready(platform)
