"""A real gunicorn running a service: its own answers are problem+json, and its
own log lines (an invalid request, a worker exiting) arrive as JSON lines."""

import json
import os
import signal
import socket
import time

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from conftest import access_env, migrated_database, service_process
from deploy import wait
from deploy.gateway import children_of
from locations_service.app import MIGRATIONS_DIR
from service_kit import gunicorn_defaults

PORT = 15490


@pytest.fixture(scope="module")
def gunicorn(make_database, tmp_path_factory, keys_dir):
    url = migrated_database(make_database, "gunicorn_locations", MIGRATIONS_DIR)
    log = tmp_path_factory.mktemp("gunicorn") / "locations.log"
    env = {"DATABASE_URL": url, **access_env(keys_dir)}
    with service_process("locations_service", PORT, env, log) as process:
        yield process, log


def raw(request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (h.partition(": ") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


def json_lines(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /api/v1/locations/\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET /api/v1/locations\r\n\r\n", 400),  # HTTP/0.9: no version
        (b"GET /api/v1/locations HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        (b"POST /api/v1/locations HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501),
    ],
    ids=["non-ascii path", "http/0.9", "bad header", "long line", "unknown coding"],
)
def test_what_gunicorn_cannot_parse_is_answered_as_problem_json(gunicorn, request_bytes, status):
    answered, headers, body = raw(request_bytes)

    assert answered == status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["type"]) == (status, "about:blank")
    assert problem["request_id"] == headers["x-request-id"]
    assert b"<html" not in body


def test_an_invalid_request_is_logged_as_a_json_line(gunicorn):
    _, log = gunicorn

    raw(b"GET /api/v1/locations/\xe9 HTTP/1.1\r\nHost: a\r\n\r\n")

    wait.until(
        lambda: any("Invalid request" in line["message"] for line in json_lines(log)),
        5,
        "no JSON line about the invalid request",
    )
    [line] = [line for line in json_lines(log) if "Invalid request" in line["message"]][-1:]
    assert (line["level"], line["service"], line["logger"]) == (
        "warning",
        "locations",
        "gunicorn.error",
    )


def test_a_worker_exit_is_logged_as_a_json_line_never_a_logging_error(gunicorn):
    process, log = gunicorn
    [worker] = children_of(process.pid)

    os.kill(worker, signal.SIGTERM)

    wait.until(
        lambda: any(
            f"Worker exiting (pid: {worker})" in line["message"] for line in json_lines(log)
        ),
        15,
        "the worker's exit was not logged",
    )
    wait.until(lambda: children_of(process.pid) - {worker}, 15, "no new worker")
    time.sleep(0.5)  # the new worker's own boot lines
    assert "Logging error" not in log.read_text()


def test_gunicorn_builds_no_access_line_of_its_own():
    """The services write their own access lines: gunicorn must not build its
    unread one. If an upgrade of gunicorn stops asking `access_log_enabled`
    before building it, this fails."""
    config = Config()
    config.set("logconfig_dict", gunicorn_defaults.log_config("test"))
    built = {}
    for logger_class in (glogging.Logger, gunicorn_defaults.Logger):
        logger = logger_class(config)
        logger.atoms = lambda *_, name=logger_class.__module__: built.setdefault(name, {})
        logger.access(None, None, {}, None)

    assert list(built) == ["gunicorn.glogging"]
