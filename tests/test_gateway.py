"""Through real nginx and gunicorn: routing, request ids, the gateway's own errors."""

import json
import os
import re
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urljoin

import pytest

from deploy import local, supervisor
from deploy.platform import service_named
from tests.conftest import http
from tests.performance.load import processes

COLLECTIONS = "/api/v1/collections"
BODY = {
    "location": "Depot North",
    "waste_type": "Paper",
    "quantity": 40,
    "unit": "Liters",
    "collected_date": "2026-05-04T06:00:00+02:00",
}
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def assert_gateway_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def service_log_lines(platform, request_id: str) -> list[dict]:
    """The service's JSON log lines for one request id."""
    log = platform.run_dir / "logs" / "collections-blue.log"
    for _ in range(20):  # the log is written a moment after the answer
        found = [
            json.loads(line)
            for line in log.read_text().splitlines()
            if line.startswith("{") and request_id in line
        ]
        if found:
            return found
        time.sleep(0.05)
    return []


def test_create_then_read_through_the_gateway(public, fresh_location):
    created = http.post(
        f"{public}{COLLECTIONS}", json=BODY | {"location": fresh_location}, timeout=5
    )

    assert created.status_code == 201
    body = created.json()
    assert body["collected_date"] == "2026-05-04T04:00:00Z"
    read = http.get(f"{public}{created.headers['Location']}", timeout=5)
    assert (read.status_code, read.json()) == (200, body)
    listed = http.get(f"{public}{COLLECTIONS}", params={"location": fresh_location}, timeout=5)
    assert listed.json() == [body]


def test_the_next_link_points_back_through_the_gateway(public):
    for _ in range(3):
        http.post(f"{public}{COLLECTIONS}", json=BODY, timeout=5)

    first = http.get(f"{public}{COLLECTIONS}", params={"limit": 2}, timeout=5)

    following = first.links["next"]["url"]
    assert following.startswith(f"{COLLECTIONS}?")
    assert http.get(urljoin(first.url, following), timeout=5).status_code == 200


def test_a_made_up_host_header_never_reaches_the_next_link(public):
    for _ in range(2):
        http.post(f"{public}{COLLECTIONS}", json=BODY, timeout=5)

    response = http.get(
        f"{public}{COLLECTIONS}", params={"limit": 1}, headers={"Host": "evil.example:1"}, timeout=5
    )

    assert "evil" not in response.headers["Link"]


def test_a_client_request_id_goes_to_the_service_log_and_comes_back(system, public):
    request_id = "crew-12.tablet-3:run-77"

    response = http.get(f"{public}{COLLECTIONS}", headers={"X-Request-ID": request_id}, timeout=5)

    assert response.headers["X-Request-ID"] == request_id
    [line] = service_log_lines(system, request_id)
    assert (line["path"], line["status"], line["service"]) == (COLLECTIONS, 200, "collections")


@pytest.mark.parametrize("sent", [None, "not valid!", "x" * 200])
def test_the_gateway_makes_a_request_id_when_none_usable_is_sent(system, public, sent):
    headers = {} if sent is None else {"X-Request-ID": sent}

    response = http.get(f"{public}{COLLECTIONS}", headers=headers, timeout=5)

    made = response.headers["X-Request-ID"]
    assert HEX_ID.match(made)
    assert len(service_log_lines(system, made)) == 1


def test_errors_from_the_service_carry_the_same_request_id(public):
    response = http.post(
        f"{public}{COLLECTIONS}",
        json={**BODY, "quantity": -1},
        headers={"X-Request-ID": "bad-qty-1"},
        timeout=5,
    )

    body = assert_gateway_problem(response, 422)
    assert body["request_id"] == "bad-qty-1"


@pytest.mark.parametrize(
    "path", ["/internal/health/collections/ready", "/internal/v1/collections/changes"]
)
def test_internal_routes_are_never_answered_on_the_public_listener(public, path):
    assert_gateway_problem(http.get(f"{public}{path}", timeout=5), 404)


def test_internal_routes_are_answered_on_the_internal_listener(internal):
    response = http.get(f"{internal}/internal/health/collections/ready", timeout=5)

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/", "/api/v1/nothing", "/api/v1/collectionsX", "/admin"])
def test_unknown_routes_get_a_json_404_from_the_gateway(public, path):
    body = assert_gateway_problem(http.get(f"{public}{path}", timeout=5), 404)

    assert body["title"] == "Not Found"


def test_a_body_over_the_limit_gets_a_413_problem_and_stores_nothing(public):
    newest = {"sort": "-id", "limit": 1}
    before = http.get(f"{public}{COLLECTIONS}", params=newest, timeout=5).json()
    oversized = json.dumps({**BODY, "location": "x" * (1024 * 1024 + 1)})

    response = http.post(
        f"{public}{COLLECTIONS}",
        data=oversized,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )

    assert_gateway_problem(response, 413)
    after = http.get(f"{public}{COLLECTIONS}", params=newest, timeout=5).json()
    assert after == before


def test_upstream_connections_are_kept_alive(system, public):
    for _ in range(20):
        http.get(f"{public}{COLLECTIONS}", params={"limit": 1}, timeout=5)

    port = system.port(service_named("collections"), "blue")
    established = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( dport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert 1 <= len(established) <= 32


def test_a_stopped_service_gets_a_502_problem_then_recovers(system, public):
    supervisor.supervisorctl(system, "stop", local.live_program(system, "collections"))
    try:
        response = http.post(f"{public}{COLLECTIONS}", json=BODY, timeout=10)

        assert_gateway_problem(response, 502)
        assert response.headers["Retry-After"]
    finally:
        supervisor.supervisorctl(system, "start", local.live_program(system, "collections"))
        local.wait_ready(system)
    assert http.post(f"{public}{COLLECTIONS}", json=BODY, timeout=5).status_code == 201


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (f"{COLLECTIONS}?location={'a' * 9000}", {}, 414),
        (f"{COLLECTIONS}?location={'a' * 5000}", {}, 422),
        (COLLECTIONS, {"X-Big": "b" * 9000}, 400),
    ],
)
def test_long_urls_and_headers_get_problem_json_never_html(public, path, headers, status):
    response = http.get(f"{public}{path}", headers=headers, timeout=5)

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == status


def raw_request(port: int, request: bytes, source: str = "127.0.0.1") -> bytes:
    """Send bytes as they are (from another loopback address as another
    client) and read the whole answer (b"" if none)."""
    with socket.create_connection(
        ("127.0.0.1", port), timeout=5, source_address=(source, 0)
    ) as connection:
        connection.sendall(request)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def problem_of(answer: bytes) -> tuple[int, dict, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    assert headers["content-type"] == "application/problem+json", answer[:300]
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.mark.parametrize("method", ["TRACE", "CONNECT"])
def test_methods_the_gateway_never_passes_on_are_a_405_problem_with_allow(system, method):
    answer = raw_request(
        system.public_port, f"{method} {COLLECTIONS} HTTP/1.1\r\nHost: a\r\n\r\n".encode()
    )

    status, headers, body = problem_of(answer)
    assert (status, body["status"]) == (405, 405)
    assert "GET" in headers["allow"]


def test_an_unknown_transfer_coding_is_a_501_problem(system):
    request = f"POST {COLLECTIONS} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"

    status, _, body = problem_of(raw_request(system.public_port, request.encode()))

    assert (status, body["title"]) == (501, "Not Implemented")


def test_options_is_a_204_naming_the_routes_methods(public):
    response = http.options(f"{public}{COLLECTIONS}", timeout=5)

    assert (response.status_code, response.content) == (204, b"")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_an_http_0_9_request_gets_no_answer_at_all(system):
    assert raw_request(system.public_port, f"GET {COLLECTIONS}\r\n".encode()) == b""


@pytest.mark.parametrize(
    "target", [b"/api/v1/collections/\xe9", b"/api/v1/collections?location=D\xc3\xa9p\xc3\xb4t"]
)
def test_a_request_target_that_is_not_ascii_is_a_400_problem(system, target):
    answer = raw_request(system.public_port, b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n")

    status, _, body = problem_of(answer)
    assert (status, body["status"]) == (400, 400)


def test_a_percent_encoded_target_still_reaches_the_service(public, fresh_location):
    http.post(f"{public}{COLLECTIONS}", json=BODY | {"location": fresh_location}, timeout=5)

    response = http.get(f"{public}{COLLECTIONS}?location={quote(fresh_location)}", timeout=5)

    assert [row["location"] for row in response.json()] == [fresh_location]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{COLLECTIONS}%3Flimit=1", 404),  # as on the live route: %3F is not a "?"
        (f"{COLLECTIONS}?limit=1", 200),
    ],
)
def test_a_pinned_colour_route_passes_the_path_exactly_as_sent(system, internal, path, status):
    live = local.live_program(system, "collections").rpartition("-")[2]
    pinned = http.get(f"{internal}/internal/colours/collections/{live}{path}", timeout=5)
    routed = http.get(f"{internal}{path}", timeout=5)

    assert pinned.status_code == routed.status_code == status
    assert pinned.headers["Content-Type"].startswith(
        ("application/json", "application/problem+json")
    )


def test_a_stalled_service_is_a_504_within_seconds_and_one_client_cannot_hold_every_thread(
    system, public, internal
):
    """The worker is frozen (SIGSTOP): the kernel still accepts connections,
    nothing answers. One client's requests beyond its share are a 429 at
    once; the others wait for the gateway's deadline; the internal listener
    and the other services answer throughout."""
    pids = processes.service_pids(system, "collections")
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(system.client_connections + 8) as pool:
            started = time.monotonic()
            waits = [
                pool.submit(_timed_get, f"{public}{COLLECTIONS}?limit=1")
                for _ in range(system.client_connections + 8)
            ]
            time.sleep(0.5)
            request = (
                "GET /api/v1/locations?limit=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                f"Authorization: Bearer {http.token}\r\n\r\n"
            ).encode()
            same_client = http.get(f"{public}/api/v1/locations?limit=1", timeout=5)
            other_client = raw_request(system.public_port, request, source="127.0.0.2")
            health = http.get(f"{internal}/internal/health/locations/ready", timeout=5)
            answers = [wait.result() for wait in waits]
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    elapsed = time.monotonic() - started

    statuses = sorted(status for status, _ in answers)
    assert statuses.count(429) >= 8
    assert set(statuses) == {429, 504}
    assert max(seconds for status, seconds in answers if status == 429) < 1
    assert elapsed < 8
    assert same_client.status_code == 429
    assert other_client.startswith(b"HTTP/1.1 200 ")
    assert health.status_code == 200
    local.wait_ready(system)


def _timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    response = http.get(url, timeout=30)
    if response.status_code in (429, 504):
        assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.status_code, time.monotonic() - started
