"""Retrying safely: Idempotency-Key on the three POSTs; ETags on items."""

import uuid

import pytest

from tests.conftest import http
from tests.contract.conftest import YARD, unique
from tests.contract.test_collections import assert_problem


def collection(**fields) -> dict:
    body = {
        "location": YARD,
        "waste_type": "Metal",
        "quantity": 4,
        "unit": "Kg",
        "collected_date": "2026-06-02T12:00:00Z",
    }
    return body | fields


def posts(base: str) -> dict:
    """Each idempotent POST: its URL and a body for it."""
    return {
        "collection": (f"{base}/api/v1/collections", collection()),
        "location": (f"{base}/api/v1/locations", {"name": unique("Contract Point")}),
        "import": (f"{base}/api/v1/collections/import", [collection(), collection()]),
    }


@pytest.mark.parametrize("kind", ["collection", "location", "import"])
def test_the_same_key_and_body_replay_the_first_answer(base, kind):
    url, body = posts(base)[kind]
    if kind == "location":
        body["location_type"] = "Public"
    key = {"Idempotency-Key": f"contract-{uuid.uuid4()}"}

    first = http.post(url, json=body, headers=key, timeout=10)
    again = http.post(url, json=body, headers=key, timeout=10)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers.get("Location") == first.headers.get("Location")


def test_the_same_key_with_another_body_is_a_422(base):
    url = f"{base}/api/v1/collections"
    key = {"Idempotency-Key": f"contract-{uuid.uuid4()}"}
    http.post(url, json=collection(), headers=key, timeout=5)

    assert_problem(http.post(url, json=collection(quantity=5), headers=key, timeout=5), 422)


def test_a_key_longer_than_255_characters_is_a_400(base):
    key = {"Idempotency-Key": "k" * 256}

    response = http.post(f"{base}/api/v1/collections", json=collection(), headers=key, timeout=5)

    assert_problem(response, 400)


@pytest.mark.parametrize("kind", ["collections", "locations"])
def test_etags_give_304_and_a_stale_if_match_is_a_412(base, kind):
    body = collection() if kind == "collections" else {"name": unique("Contract Point")}
    body.setdefault("location_type", "Public") if kind == "locations" else None
    created = http.post(f"{base}/api/v1/{kind}", json=body, timeout=5)
    url = f"{base}/api/v1/{kind}/{created.json()['id']}"
    tag = http.get(url, timeout=5).headers["ETag"]
    change = {"quantity": 9} if kind == "collections" else {"zone": unique("Contract Zone")}

    unchanged = http.get(url, headers={"If-None-Match": tag}, timeout=5)
    changed = http.patch(url, json=change, headers={"If-Match": tag}, timeout=5)
    stale = http.patch(url, json=change, headers={"If-Match": tag}, timeout=5)

    assert tag == created.headers["ETag"] and not tag.startswith("W/")
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert_problem(stale, 412)
    assert_problem(http.delete(url, headers={"If-Match": tag}, timeout=5), 412)
    assert http.get(url, timeout=5).json() == changed.json()
