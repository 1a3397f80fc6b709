"""`python -m deploy run` (what `make run` calls) starts everything; Ctrl-C stops all of it."""

import json
import os
import signal
import socket
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from conftest import TEST_DATABASE_URL
from deploy import local
from deploy.platform import REPO_ROOT, SERVICES, Platform
from service_kit.data import pg_admin
from service_kit.data.db import make_engine
from tests.conftest import add_location, deploy_cli, http

PORTS = ["--public-port", "28080", "--internal-port", "28081", "--port-offset", "20000"]


def _processes_in_session(session_id: int) -> list[str]:
    """Every live process in a session (field 6 of /proc/PID/stat)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session_id:
            found.append(pid)
    return found


def _interruptible() -> None:
    """In the child before exec: SIGINT as a terminal's foreground job has it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def made_token(run_dir) -> str:
    """What `make token` prints for the system started in run_dir."""
    printed = deploy_cli("token", "--run-dir", str(run_dir))
    assert printed.returncode == 0, printed.stderr
    [token] = printed.stdout.splitlines()
    return token


def _run_then_interrupt(tmp_path, options: list[str], interrupt=os.killpg) -> str:
    """Start `python -m deploy run`, create one collection, press Ctrl-C; return its output."""
    run_dir = tmp_path / "run"
    platform = Platform(run_dir=run_dir, public_port=28080, internal_port=28081, port_offset=20000)
    command = [sys.executable, "-m", "deploy", "run", "--run-dir", str(run_dir), *PORTS, *options]
    # Its own session, like a terminal's foreground job, so Ctrl-C reaches the
    # group; and Ctrl-C's default action, as a terminal gives it: a test run
    # started in the background by a shell (as CI may be) ignores SIGINT, and
    # its children would inherit that. Its output goes to a file, which never
    # fills up as an unread pipe can.
    printed = tmp_path / "printed.txt"
    with printed.open("w") as output_file:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            start_new_session=True,
            stdout=output_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_interruptible,
        )
    try:
        local.wait_ready(platform, timeout=60)
        token = made_token(run_dir)
        add_location(platform.public_url, "Depot North", token)
        created = http.post(
            f"{platform.public_url}/api/v1/collections",
            json={
                "location": "Depot North",
                "waste_type": "Glass",
                "quantity": 2,
                "unit": "Tons",
                "collected_date": "2026-01-01T00:00:00Z",
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert created.status_code == 201
    finally:
        interrupt(process.pid, signal.SIGINT)
        process.wait(timeout=60)

    output = printed.read_text()

    assert f"Gateway: {platform.public_url}" in output
    assert f"Dashboard: {platform.public_url}/dashboard/#token=ey" in output
    assert "curl" in output
    assert "make -s token" in output
    assert _processes_in_session(process.pid) == []
    return output


def test_run_serves_on_sqlite_and_ctrl_c_leaves_no_process_behind(tmp_path):
    output = _run_then_interrupt(tmp_path, [])

    assert "Preparing databases (sqlite)" in output
    assert (tmp_path / "collections.db").exists()
    assert (tmp_path / "locations.db").exists()


def test_an_interrupt_sent_to_run_alone_still_stops_everything(tmp_path):
    # As when only `make` or a script's parent is signalled, not the whole group.
    _run_then_interrupt(tmp_path, [], interrupt=os.kill)


@pytest.fixture
def postgres_prefix():
    prefix = f"test_{uuid.uuid4().hex[:8]}_"
    yield prefix
    for service in SERVICES:
        pg_admin.drop_database(TEST_DATABASE_URL, f"{prefix}{service.name}")


def test_run_on_postgres_creates_and_migrates_its_database(tmp_path, postgres_prefix):
    server = TEST_DATABASE_URL.rpartition("/")[0]
    options = [
        "--database",
        "postgres",
        "--postgres-url",
        server,
        "--database-prefix",
        postgres_prefix,
    ]

    output = _run_then_interrupt(tmp_path, options)

    assert "Preparing databases (postgres)" in output
    url = pg_admin.with_database(TEST_DATABASE_URL, f"{postgres_prefix}collections")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM collections")).scalar() == 1
    engine.dispose()


def test_run_refuses_to_start_when_a_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 28080))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "deploy", "run", "--run-dir", str(tmp_path / "run"), *PORTS],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode != 0
    assert "port 28080 is in use" in result.stderr


def _deploy(*args: str) -> subprocess.CompletedProcess:
    return deploy_cli(*args, timeout=120)


def test_up_runs_in_the_background_status_shows_it_and_down_stops_it(tmp_path):
    run_dir = ["--run-dir", str(tmp_path / "run")]
    platform = Platform(run_dir=tmp_path / "run", public_port=28080, internal_port=28081)

    started = _deploy("up", *run_dir, *PORTS)
    try:
        assert started.returncode == 0, started.stderr
        pid = int((tmp_path / "run" / "supervisord.pid").read_text())
        auth = {"Authorization": f"Bearer {made_token(tmp_path / 'run')}"}
        answer = http.get(f"{platform.public_url}/api/v1/collections", headers=auth, timeout=5)
        report = json.loads(_deploy("status", "--json", *run_dir).stdout)
    finally:
        stopped = _deploy("down", *run_dir)

    assert "Up: http://127.0.0.1:28080" in started.stdout
    assert answer.status_code == 200
    for service in SERVICES:
        live = report[service.name]
        assert live["blue"]["process"] == "RUNNING"
        assert live["blue"]["ready"] is True
        assert live["green"]["process"] == "STOPPED"
    assert (stopped.returncode, stopped.stdout.strip()) == (0, "Stopped.")
    assert not os.path.exists(f"/proc/{pid}")
    assert _deploy("down", *run_dir).stdout.strip() == "Nothing was running."
