"""Retry safety under real concurrency, through the gateway on PostgreSQL:
racing editors holding one ETag, racing retries of one Idempotency-Key, and
a worker killed after its commit and before its answer."""

import threading
import uuid

import pytest
import requests

from conftest import _gunicorn
from deploy.platform import REPO_ROOT, service_named
from tests.conftest import http, rows

CRASHING_PORT = 15493
RACES = 10


def together(count: int, call) -> list[requests.Response]:
    """`call(n)` from `count` threads released at one instant."""
    start = threading.Barrier(count)
    answers: list = [None] * count

    def run(n: int) -> None:
        session = http.session()
        start.wait()
        answers[n] = call(session, n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def collection(location: str, **fields) -> dict:
    return {
        "location": location,
        "waste_type": "Glass",
        "quantity": 5,
        "unit": "Kg",
        "collected_date": "2026-05-01T08:00:00Z",
    } | fields


def stored_at(system, location: str) -> list[tuple]:
    query = "SELECT id, quantity FROM collections WHERE location = :location"
    return rows(system, "collections", query, location=location)


@pytest.mark.parametrize("kind", ["collections", "locations"])
def test_two_editors_holding_one_etag_exactly_one_wins(public, fresh_location, kind):
    if kind == "collections":
        body = collection(fresh_location)
        field = "quantity"
    else:
        body = {"name": f"Race {uuid.uuid4().hex[:10]}", "location_type": "Public"}
        field = "zone"
    item = http.post(f"{public}/api/v1/{kind}", json=body, timeout=5).headers["Location"]
    url = f"{public}{item}" if item.startswith("/") else item

    for race in range(RACES):
        tag = http.get(url, timeout=5).headers["ETag"]
        # Each writer's value is new, so whichever wins changes the ETag.
        values = [100 + 2 * race + n for n in range(2)]
        if field == "zone":
            values = [f"Zone {value}" for value in values]
        answers = together(
            2,
            lambda session, n, values=values, tag=tag: session.patch(
                url, json={field: values[n]}, headers={"If-Match": tag}, timeout=10
            ),
        )

        assert sorted(answer.status_code for answer in answers) == [200, 412]
        [winner] = [answer for answer in answers if answer.status_code == 200]
        now = http.get(url, timeout=5)
        assert now.json() == winner.json()
        assert now.headers["ETag"] == winner.headers["ETag"]


@pytest.mark.parametrize("path", ["", "/import"])
def test_concurrent_retries_of_one_key_store_one_row(system, public, fresh_location, path):
    for _ in range(3):
        headers = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
        body = collection(fresh_location) if not path else [collection(fresh_location)]
        before = len(stored_at(system, fresh_location))

        answers = together(
            6,
            lambda session, n, body=body, headers=headers: session.post(
                f"{public}/api/v1/collections{path}", json=body, headers=headers, timeout=10
            ),
        )

        statuses = [answer.status_code for answer in answers]
        assert set(statuses) <= {201, 409} and 201 in statuses, statuses
        for answer in answers:
            if answer.status_code == 409:
                assert answer.headers["Retry-After"] == "1"
                assert answer.headers["Content-Type"] == "application/problem+json"
        assert len({answer.text for answer in answers if answer.status_code == 201}) == 1
        assert len(stored_at(system, fresh_location)) == before + 1


@pytest.fixture
def crashing_collections(system, tmp_path):
    """A collections process beside the system's (its database, its keys),
    whose worker dies after a commit when asked (tests/crash_after_commit.py)."""
    env = system.service_env(service_named("collections"), "blue")
    env |= {"PYTHONPATH": str(REPO_ROOT), "WEB_CONCURRENCY": "1"}
    arguments = [
        "--config",
        str(REPO_ROOT / "collections_service" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{CRASHING_PORT}",
        "tests.crash_after_commit:create_app()",
    ]
    url = f"http://127.0.0.1:{CRASHING_PORT}"
    with _gunicorn(arguments, f"{url}/health/ready", env, tmp_path / "crashing.log"):
        yield url


def test_a_worker_killed_after_its_commit_then_a_retry_gives_the_stored_answer_and_one_row(
    system, public, fresh_location, crashing_collections
):
    headers = {"Idempotency-Key": f"crash-{uuid.uuid4()}"}
    url = f"{crashing_collections}/api/v1/collections"
    body = collection(fresh_location)

    with pytest.raises(requests.ConnectionError):
        http.post(url, json=body, headers=headers | {"X-Test-Crash": "after-commit"}, timeout=10)
    [(stored_id, _)] = stored_at(system, fresh_location)
    retry = retry_until_answered(url, body, headers)

    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == stored_id
    assert retry.headers["Location"].endswith(f"/api/v1/collections/{stored_id}")
    assert len(stored_at(system, fresh_location)) == 1


def retry_until_answered(url: str, body: dict, headers: dict) -> requests.Response:
    """A client's retry loop: the master needs a moment to start a new worker."""
    for _ in range(100):
        try:
            return http.post(url, json=body, headers=headers, timeout=10)
        except requests.ConnectionError:
            threading.Event().wait(0.1)
    raise AssertionError("the service never answered again")
