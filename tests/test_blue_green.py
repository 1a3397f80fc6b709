"""Blue-green on the local platform, through the deploy commands themselves:
swaps, a rollback and a canary under load drop nothing; a colour that never
gets ready, or a gateway config nginx refuses, changes nothing."""

import fcntl
import json
import re
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from conftest import TEST_DATABASE_URL
from deploy import local, state, status
from deploy.platform import service_named
from tests.conftest import add_location, deploy_cli, http, make_platform, rows
from tests.traffic import Traffic

# `flush=1s` on the access_log in gateway/templates/nginx.conf.template.
GATEWAY_LOG_FLUSH_S = 1.0
EXPECTED = {
    ("create", 201),
    ("read", 200),
    ("complete", 200),
    ("list", 200),
    ("location", 200),
    ("add location", 201),
    ("summary", 200),
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory, keys_dir):
    run_dir = tmp_path_factory.mktemp("blue_green") / "run"
    system = make_platform(run_dir, 19080, 19081, 12000, keys_dir)
    with local.throwaway(system, TEST_DATABASE_URL) as up:
        yield up


def deploy_command(platform, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m deploy ARGS` against this platform, as an operator would;
    a deploy or canary takes this working tree, committed or not."""
    tree = ["--allow-dirty"] if args[0] in ("deploy", "canary") else []
    return deploy_cli(*args, *tree, "--run-dir", str(platform.run_dir))


def live(platform, service: str) -> str:
    return state.load(platform.run_dir)[service].live


def gateway_log(platform) -> Path:
    """The gateway's access log with every request made so far in it: nginx
    writes it in batches, each at most a second old (GATEWAY_LOG_FLUSH_S)."""
    time.sleep(GATEWAY_LOG_FLUSH_S + 0.5)
    return platform.run_dir / "logs" / "gateway.log"


def gateway_log_size(platform) -> int:
    return gateway_log(platform).stat().st_size


def upstreams_since(platform, offset: int, uri_prefix: str) -> set[str]:
    """The upstream addresses the gateway used for `uri_prefix` since `offset`."""
    with open(gateway_log(platform)) as log:
        log.seek(offset)
        lines = [json.loads(line) for line in log if line.startswith("{")]
    return {line["upstream"] for line in lines if line["uri"].startswith(uri_prefix)}


def test_swaps_rollback_and_canary_under_load_lose_no_request(platform):
    place = add_location(platform.public_url, f"Swap Depot {uuid.uuid4().hex[:8]}")
    steps = [
        ("deploy", "locations"),
        ("deploy", "collections"),
        ("deploy", "analytics"),
        ("rollback", "collections"),
        ("canary", "analytics", "50"),
        ("rollback", "analytics"),
    ]

    with Traffic(platform.public_url, place["name"], place["id"]) as traffic:
        for step in steps:
            if step[0] == "canary":
                canary_started = gateway_log_size(platform)
            if step == ("rollback", "analytics"):
                canary_upstreams = upstreams_since(platform, canary_started, "/api/v1/analytics")
            result = deploy_command(platform, *step)
            assert result.returncode == 0, f"{step}: {result.stdout}{result.stderr}"
    record = traffic.record

    print(f"\n{len(record.answers)} requests during the swaps, p99 {record.p99_ms():.1f} ms")
    assert record.failures() == []
    assert {(a.what, a.status) for a in record.answers} <= EXPECTED
    assert len(record.created) > 50
    stored = rows(
        platform,
        "collections",
        "SELECT id, quantity, status FROM collections WHERE location = :place",
        place=place["name"],
    )
    assert sorted((i, q) for i, q, _ in stored) == sorted(record.created.items())
    assert {i for i, _, status in stored if status == "Completed"} == record.completed
    assert len(canary_upstreams) == 2
    assert [live(platform, name) for name in ("locations", "collections", "analytics")] == [
        "green",
        "blue",
        "green",
    ]
    names = rows(platform, "locations", "SELECT name FROM locations WHERE zone = 'Swap'")
    assert sorted(name for (name,) in names) == sorted(record.places)


@contextmanager
def port_taken(port: int):
    """Something else listening on a colour's port: that colour cannot start."""
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        yield


def test_a_colour_that_never_gets_ready_is_not_swapped_in(platform):
    service = service_named("collections")
    before = live(platform, "collections")
    idle_port = platform.port(service, "green" if before == "blue" else "blue")

    with port_taken(idle_port):
        result = deploy_command(platform, "deploy", "collections", "--ready-timeout", "6")

    assert result.returncode != 0
    assert "not ready" in result.stderr or "stopped before it was ready" in result.stderr
    assert "nothing was switched" in result.stdout
    assert live(platform, "collections") == before
    response = http.get(f"{platform.public_url}/api/v1/collections?limit=1", timeout=5)
    assert response.status_code == 200
    # Its release replaced the one that was live before: nothing to roll back to now.
    rollback = deploy_command(platform, "rollback", "collections")
    assert rollback.returncode != 0
    assert "no earlier release to roll back to" in rollback.stderr


def test_a_gateway_config_nginx_refuses_is_never_loaded(platform):
    snippet = platform.run_dir / "nginx" / "snippets" / "proxy.conf"
    upstream = platform.run_dir / "nginx" / "upstreams" / "locations.conf"
    good, routed = snippet.read_text(), upstream.read_text()
    before = live(platform, "locations")
    snippet.write_text(good + "\nproxy_not_a_directive on;\n")
    try:
        result = deploy_command(platform, "deploy", "locations")
    finally:
        snippet.write_text(good)

    assert result.returncode != 0
    assert "the gateway kept its routing" in result.stderr
    assert "proxy_not_a_directive" in result.stderr
    assert upstream.read_text() == routed
    assert live(platform, "locations") == before
    response = http.get(f"{platform.public_url}/api/v1/locations?limit=1", timeout=5)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("canary", "analytics", "0"), "a canary takes 1 to 99 percent"),
        (("canary", "analytics", "100"), "a canary takes 1 to 99 percent"),
        (("deploy", "billing"), "invalid choice: 'billing'"),
    ],
)
def test_a_command_it_cannot_do_exits_non_zero_saying_why(platform, args, message):
    result = deploy_command(platform, *args)

    assert result.returncode != 0
    assert message in result.stderr


def test_a_second_command_while_one_runs_is_refused(platform):
    with open(platform.run_dir / state.LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = deploy_command(platform, "deploy", "analytics")

    assert result.returncode != 0
    assert "another deploy command is running" in result.stderr


def test_status_shows_each_colour_s_version_process_and_health(platform):
    # A colour answers ready within its program's start time, while
    # supervisord still shows it STARTING (as right after the platform starts).
    local.wait_running(platform, timeout=10)
    result = deploy_command(platform, "status", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for name in ("collections", "locations", "analytics"):
        colour = report[name]["live"]
        assert report[name][colour]["process"] == "RUNNING"
        assert report[name][colour]["ready"] is True
        assert report[name][colour]["version"]
        live = report[name][colour]
        assert re.fullmatch(r"[0-9a-f]{40}", live["commit"])
        assert re.fullmatch(r"[0-9a-f]{16}", live["requirements"])
        assert live["ref"] and live["by"]
        assert datetime.fromisoformat(live["made_at"]).tzinfo is not None
        idle = report[name]["green" if colour == "blue" else "blue"]
        assert idle["process"] == "STOPPED"
    printed = deploy_command(platform, "status").stdout.splitlines()
    assert printed[0].split() == [*status.COLUMNS, *status.COLUMNS_AFTER]
    live_colour = report["collections"]["live"]
    line = next(row for row in printed if row.split()[:2] == ["collections", live_colour])
    collections = report["collections"][live_colour]
    for shown in (collections["commit"][:12], collections["requirements"], collections["by"]):
        assert shown in line
