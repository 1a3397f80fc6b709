"""Through the gateway: collections name only active places, and a locations
outage (stopped, or frozen so it answers nothing) is a bounded 503."""

import os
import signal
import time
import uuid
from contextlib import contextmanager

import pytest

from deploy import local, supervisor
from tests.conftest import LOCATIONS_CACHE_TTL, add_location, http

COLLECTIONS = "/api/v1/collections"
# The bound, measured at the client, gateway hop included.
BOUND_SECONDS = 2.0


def collection_at(name: str) -> dict:
    return {
        "location": name,
        "waste_type": "Organic",
        "quantity": 3,
        "unit": "Kg",
        "collected_date": "2026-07-01T07:00:00Z",
    }


def stored_at(public: str, name: str) -> list:
    return http.get(f"{public}{COLLECTIONS}", params={"location": name}, timeout=5).json()


def timed_post(public: str, body: dict):
    started = time.monotonic()
    response = http.post(f"{public}{COLLECTIONS}", json=body, timeout=10)
    return response, time.monotonic() - started


@contextmanager
def locations_stopped(system):
    supervisor.supervisorctl(system, "stop", local.live_program(system, "locations"))
    try:
        yield
    finally:
        supervisor.supervisorctl(system, "start", local.live_program(system, "locations"))
        local.wait_ready(system)


@contextmanager
def locations_frozen(system):
    """SIGSTOP the whole process group: connections are accepted, nothing answers."""
    pid = int(
        supervisor.supervisorctl(system, "pid", local.live_program(system, "locations")).strip()
    )
    os.killpg(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pid, signal.SIGCONT)


@pytest.mark.parametrize("outage", [locations_stopped, locations_frozen])
def test_a_locations_outage_is_a_bounded_503_and_nothing_is_stored(system, public, outage):
    name = f"Outage Yard {uuid.uuid4().hex[:6]}"
    add_location(public, name)

    with outage(system):
        response, seconds = timed_post(public, collection_at(name))

    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 503
    assert int(response.headers["Retry-After"]) > 0
    assert seconds < BOUND_SECONDS
    assert stored_at(public, name) == []
    again = http.post(f"{public}{COLLECTIONS}", json=collection_at(name), timeout=5)
    assert again.status_code == 201
    assert len(stored_at(public, name)) == 1


def test_an_archived_location_takes_no_new_collections_but_keeps_its_old_ones(public):
    location = add_location(public, f"Closing Yard {uuid.uuid4().hex[:6]}")
    kept = http.post(
        f"{public}{COLLECTIONS}", json=collection_at(location["name"]), timeout=5
    ).json()

    archived = http.delete(f"{public}/api/v1/locations/{location['id']}", timeout=5)
    time.sleep(LOCATIONS_CACHE_TTL + 0.2)  # collections trusted it this long
    refused = http.post(f"{public}{COLLECTIONS}", json=collection_at(location["name"]), timeout=5)

    assert archived.status_code == 204
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["location"]
    assert http.get(f"{public}{COLLECTIONS}/{kept['id']}", timeout=5).status_code == 200
    read = http.get(f"{public}/api/v1/locations/{location['id']}", timeout=5).json()
    assert read["archived"] is True
