"""Fixtures every test folder shares: throwaway databases for this run."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests
from flask.testing import FlaskClient

from deploy import keys, wait
from service_kit.data import migrate, pg_admin

REPO_ROOT = Path(__file__).resolve().parent
ISSUER_PORT = 15591
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def uses_sqlite() -> bool:
    return TEST_DATABASE_URL.startswith("sqlite")


@pytest.fixture(scope="session")
def make_database(tmp_path_factory):
    """Return a function that creates an empty database; all are dropped at the end."""
    created: list[str] = []
    run = uuid.uuid4().hex[:8]

    def make(name: str) -> str:
        if uses_sqlite():
            return f"sqlite:///{tmp_path_factory.mktemp('db') / name}.db"
        database = f"test_{run}_{name}"
        pg_admin.ensure_database(TEST_DATABASE_URL, database)
        created.append(database)
        # A server default far from UTC: the code must not depend on it.
        _alter(f"ALTER DATABASE {database} SET timezone TO 'Pacific/Kiritimati'")
        return pg_admin.with_database(TEST_DATABASE_URL, database)

    yield make
    for database in created:
        pg_admin.drop_database(TEST_DATABASE_URL, database)


def _alter(statement: str) -> None:
    connection = psycopg2.connect(TEST_DATABASE_URL)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def migrated_database(make_database, name: str, migrations_dir) -> str:
    """A new database for `name`, brought to its migration head."""
    url = make_database(name)
    migrate.upgrade(migrations_dir, url)
    return url


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    """The tests' own embedded identity provider (deploy/keys.py): every test,
    in process or through a platform of its own, trusts these keys."""
    path = tmp_path_factory.mktemp("keys")
    keys.ensure(path)
    return path


@pytest.fixture(scope="session")
def bearer(keys_dir) -> str:
    """A token with every scope, as `make token` prints one."""
    return keys.mint(keys_dir, "tester")


@pytest.fixture(scope="session")
def issuer(keys_dir, tmp_path_factory) -> str:
    """The embedded identity provider's token endpoint, for services in
    process that call others; its base URL."""
    env = {"KEYS_DIR": str(keys_dir)} | {
        f"CLIENT_SECRET_{client.upper()}": keys.client_secret(keys_dir, client)
        for client in keys.CLIENTS
    }
    command = [
        "--config",
        str(REPO_ROOT / "deploy" / "issuer.conf.py"),
        "--bind",
        f"127.0.0.1:{ISSUER_PORT}",
        "deploy.issuer:create_app()",
    ]
    log = tmp_path_factory.mktemp("issuer") / "issuer.log"
    url = f"http://127.0.0.1:{ISSUER_PORT}"
    with _gunicorn(command, f"{url}/.well-known/jwks.json", env, log):
        yield url


def access_env(keys_dir: Path, client: str | None = None, issuer_url: str | None = None) -> dict:
    """The token settings a service gets (README, "Access"): these keys, and
    with `client`, its own credentials at the issuer."""
    env = {"JWKS_FILE": str(keys_dir / "jwks.json"), "JWKS_REFRESH": "1"}
    if client:
        env |= {
            "TOKEN_URL": f"{issuer_url}/token",
            "CLIENT_ID": client,
            "CLIENT_SECRET": keys.client_secret(keys_dir, client),
        }
    return env


class AuthorizedClient(FlaskClient):
    """A Flask test client that sends its class's token with every request."""

    token = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"


def with_token(app, token: str):
    """The app, whose test clients send `token` (drop it from a client's
    `environ_base` to call anonymously)."""
    app.test_client_class = type("Authorized", (AuthorizedClient,), {"token": token})
    return app


def bearer_session(token: str) -> requests.Session:
    """A requests session that sends `token` with every request."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@contextlib.contextmanager
def service_process(package: str, port: int, env: dict[str, str], log_file: Path):
    """Run one service under gunicorn on 127.0.0.1:`port` until the block ends."""
    command = [
        "--config",
        str(REPO_ROOT / package / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        f"{package}.app:create_app()",
    ]
    with _gunicorn(command, f"http://127.0.0.1:{port}/health/ready", env, log_file) as process:
        yield process


@contextlib.contextmanager
def _gunicorn(arguments: list[str], ready_url: str, env: dict[str, str], log_file: Path):
    command = [str(Path(sys.executable).parent / "gunicorn"), *arguments]
    with log_file.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        _wait_for(ready_url, process, log_file)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited
            os.killpg(process.pid, signal.SIGCONT)  # in case a test froze it
        process.terminate()
        process.wait(30)


def _wait_for(url: str, process: subprocess.Popen, log_file: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log_file.read_text()[-2000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:  # refused, or accepted while the worker boots
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s")


def drop_connections(database_url: str) -> int:
    """What a database restart does to clients: every connection to it ends.
    Returns once the server has ended them (it signals, then they exit)."""
    others = "datname = current_database() AND pid <> pg_backend_pid()"
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}"
            )
            ended = cursor.fetchone()[0]
            wait.until(
                lambda: (
                    _count(cursor, f"SELECT count(*) FROM pg_stat_activity WHERE {others}") == 0
                ),
                5,
                "the ended connections are still there",
                every=0.01,
            )
            return ended
    finally:
        connection.close()


def _count(cursor, query: str) -> int:
    cursor.execute(query)
    return cursor.fetchone()[0]
