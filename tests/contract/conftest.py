"""The contract suite: API.md's public API, checked over HTTP only, so it
judges any implementation behind a gateway (README, "Checking another
implementation").

    make contract BASE_URL=http://host:port TOKEN=...

CONTRACT_BASE_URL and CONTRACT_TOKEN (every scope) name the system; without
them the suite starts the local one and mints its own token. It writes only
what it can recognise (locations and zones named after this run), so the
system may hold other data, and it reads back only its own.
"""

import os
import uuid

import pytest

from tests.conftest import http

RUN = uuid.uuid4().hex[:10]
# This run's own location (created once, `yard`) and zone.
YARD = f"Contract Yard {RUN}"
ZONE = f"Contract Zone {RUN}"


@pytest.fixture(scope="session", autouse=True)
def _the_systems_token(_the_testers_token):
    """The token the suite sends: CONTRACT_TOKEN, else the tester's own."""
    if os.environ.get("CONTRACT_TOKEN"):
        http.token = os.environ["CONTRACT_TOKEN"]


@pytest.fixture(scope="session")
def base(request) -> str:
    return os.environ.get("CONTRACT_BASE_URL") or request.getfixturevalue("system").public_url


def unique(prefix: str) -> str:
    """A name no other client uses: the prefix, this run, and a fresh part."""
    return f"{prefix} {RUN} {uuid.uuid4().hex[:6]}"


def add_location(base: str, **fields) -> dict:
    body = {"name": unique("Contract Yard"), "location_type": "DropOff"} | fields
    response = http.post(f"{base}/api/v1/locations", json=body, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session", autouse=True)
def yard(base) -> str:
    """YARD, the location of this run's own collections."""
    return add_location(base, name=YARD, zone=ZONE)["name"]


@pytest.fixture
def fresh_yard(base) -> dict:
    """A location and zone of this test's own: its figures are its own."""
    return add_location(base, zone=unique("Contract Zone"), latitude=52.1, longitude=4.3)
