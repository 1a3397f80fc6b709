"""Collections may only name active locations; the locations service is asked
for real (its own gunicorn and database), and its outages are real too."""

import json
import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

import pytest

from collections_service.tests.factories import URL, create, payload, stored

BOUND_SECONDS = 2.0
NOTHING_LISTENS = "http://127.0.0.1:1"


def fresh_name() -> str:
    return f"Yard {uuid.uuid4().hex[:8]}"


@contextmanager
def frozen(process):
    """Stop every process of a service (SIGSTOP): it accepts connections, answers nothing."""
    os.killpg(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGCONT)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_location_refused(response) -> None:
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["location"]


def test_a_collection_at_an_unknown_location_is_422_naming_location(client, db):
    response = client.post(URL, json=payload(location="Nowhere Yard"))

    assert_location_refused(response)
    assert stored(db) == []


def test_a_collection_at_an_archived_location_is_422(client, db, locations_server):
    name = fresh_name()
    locations_server.archive(locations_server.add(name))

    assert_location_refused(client.post(URL, json=payload(location=name)))
    assert stored(db) == []


def test_a_location_created_a_moment_ago_is_accepted(client, db, locations_server):
    name = fresh_name()
    assert_location_refused(client.post(URL, json=payload(location=name)))

    locations_server.add(name)

    assert client.post(URL, json=payload(location=name)).status_code == 201


def test_replace_checks_the_location(client, db):
    created = create(client)

    response = client.put(
        f"{URL}/{created['id']}", json=payload(location="Nowhere Yard", status="Pending")
    )

    assert_location_refused(response)
    assert stored(db)[0].location == "Depot North"


def test_a_patch_that_moves_a_collection_checks_the_location(client, db):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={"location": "Nowhere Yard"})

    assert_location_refused(response)
    assert stored(db)[0].location == "Depot North"


def test_a_patch_that_keeps_the_location_needs_no_locations_service(client, db, app_with):
    created = create(client)
    offline = app_with(locations_url=NOTHING_LISTENS).test_client()

    kept = offline.patch(
        f"{URL}/{created['id']}", json={"location": "Depot North", "status": "Completed"}
    )
    moved = offline.patch(f"{URL}/{created['id']}", json={"location": "Depot South"})

    assert kept.status_code == 200
    assert moved.status_code == 503
    assert stored(db)[0].location == "Depot North"


def test_locations_unreachable_is_a_503_with_retry_after_and_nothing_stored(db, app_with):
    offline = app_with(locations_url=NOTHING_LISTENS).test_client()

    response, seconds = timed(lambda: offline.post(URL, json=payload()))

    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert seconds < BOUND_SECONDS
    assert stored(db) == []


def test_locations_too_slow_is_a_503_within_the_bound_then_creates_work_again(
    client, db, locations_server
):
    name = fresh_name()
    locations_server.add(name)

    with frozen(locations_server.process):
        response, seconds = timed(lambda: client.post(URL, json=payload(location=name)))

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert seconds < BOUND_SECONDS
    assert stored(db) == []
    assert client.post(URL, json=payload(location=name)).status_code == 201


def test_a_burst_for_one_place_costs_one_lookup(client, db, locations_server):
    name = fresh_name()
    locations_server.add(name)
    burst = uuid.uuid4().hex[:12]

    for n in range(20):
        response = client.post(
            URL, json=payload(location=name), headers={"X-Request-ID": f"{burst}-{n}"}
        )
        assert response.status_code == 201

    assert len(stored(db)) == 20
    assert len(lookups_logged(locations_server, burst)) == 1


def test_a_cached_answer_expires_after_its_ttl(db, app_with, locations_server):
    app = app_with(locations_cache_ttl=0.2)
    client = app.test_client()
    location = locations_server.add(fresh_name())
    assert client.post(URL, json=payload(location=location["name"])).status_code == 201

    locations_server.archive(location)
    time.sleep(0.3)

    assert_location_refused(client.post(URL, json=payload(location=location["name"])))


def lookups_logged(locations_server, request_id_prefix: str) -> list[dict]:
    """The locations service's log lines for requests whose id starts with the
    prefix. Lines go out in batches at most 0.2 s apart: wait for the first,
    then for one batch more."""
    deadline = time.monotonic() + 2
    while not _logged(locations_server, request_id_prefix) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    return _logged(locations_server, request_id_prefix)


def _logged(locations_server, request_id_prefix: str) -> list[dict]:
    lines = [
        json.loads(line)
        for line in locations_server.log.read_text().splitlines()
        if line.startswith("{")
    ]
    return [line for line in lines if line.get("request_id", "").startswith(request_id_prefix)]


@pytest.mark.parametrize("given", ["", "x" * 201])
def test_shape_errors_come_before_any_lookup(db, app_with, given):
    offline = app_with(locations_url=NOTHING_LISTENS).test_client()

    assert offline.post(URL, json=payload(location=given)).status_code == 422


def test_concurrent_creates_for_one_place_all_get_their_answer_within_the_bound(
    app, db, locations_server
):
    name = fresh_name()
    locations_server.add(name)

    def create_one(_):
        return timed(lambda: app.test_client().post(URL, json=payload(location=name)))

    with frozen(locations_server.process), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(create_one, range(4)))

    assert [response.status_code for response, _ in results] == [503] * 4
    assert max(seconds for _, seconds in results) < BOUND_SECONDS
    assert stored(db) == []


def test_a_refused_token_of_its_own_fails_closed_503_and_nothing_stored(db, app_with, config):
    """collections asks locations with its own token; when the identity
    provider will not give one, it asks nothing and stores nothing."""
    refused = replace(config.access, client_secret="not-the-secret")
    client = app_with(access=refused, locations_cache_ttl=0).test_client()

    response = client.post(URL, json=payload(location=fresh_name()))

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert stored(db) == []
