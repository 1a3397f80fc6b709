"""Retrying safely on locations: Idempotency-Key on the creating POST, ETags
with If-None-Match and If-Match on an item (README, "Retrying safely")."""

import uuid

import pytest

from locations_service.tests.factories import URL, create, payload, stored


def test_a_retried_create_replays_its_answer_and_stores_one_location(client, db):
    headers = {"Idempotency-Key": f"test-{uuid.uuid4()}"}
    first = client.post(URL, json=payload(), headers=headers)

    retry = client.post(URL, json=payload(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(stored(db)) == 1


def test_without_a_key_a_second_create_of_the_name_is_the_usual_409(client, db):
    client.post(URL, json=payload())

    assert client.post(URL, json=payload()).status_code == 409


def test_the_same_key_for_another_location_is_a_422(client, db):
    headers = {"Idempotency-Key": f"test-{uuid.uuid4()}"}
    client.post(URL, json=payload(), headers=headers)

    response = client.post(URL, json=payload(name="Depot West"), headers=headers)

    assert response.status_code == 422
    assert [location.name for location in stored(db)] == ["Depot North"]


def test_a_get_with_its_etag_is_a_304(client, db):
    item = f"{URL}/{create(client)['id']}"
    tag = client.get(item).headers["ETag"]

    response = client.get(item, headers={"If-None-Match": tag})

    assert response.status_code == 304
    assert response.get_data() == b""


@pytest.mark.parametrize(
    ("method", "body"),
    [("put", payload(zone="East")), ("patch", {"zone": "East"}), ("delete", None)],
)
def test_a_stale_if_match_is_a_412_and_changes_nothing(client, db, method, body):
    item = f"{URL}/{create(client)['id']}"
    stale = client.get(item).headers["ETag"]
    client.patch(item, json={"zone": "West"})

    response = getattr(client, method)(item, json=body, headers={"If-Match": stale})

    assert response.status_code == 412
    assert response.content_type == "application/problem+json"
    [location] = stored(db)
    assert (location.zone, location.archived) == ("West", False)


def test_the_current_if_match_lets_two_editors_take_turns(client, db):
    item = f"{URL}/{create(client)['id']}"
    tag = client.get(item).headers["ETag"]

    first = client.patch(item, json={"zone": "East"}, headers={"If-Match": tag})
    second = client.patch(item, json={"zone": "West"}, headers={"If-Match": tag})
    third = client.patch(item, json={"zone": "West"}, headers={"If-Match": first.headers["ETag"]})

    assert (first.status_code, second.status_code, third.status_code) == (200, 412, 200)
    assert stored(db)[0].zone == "West"
