"""Retrying safely: Idempotency-Key on the creating POST and the import,
ETags with If-None-Match and If-Match on an item (README, "Retrying safely")."""

import uuid

import pytest

from collections_service.tests.factories import URL, create, payload, stored
from deploy import keys

IMPORT = f"{URL}/import"


def key() -> dict:
    return {"Idempotency-Key": f"test-{uuid.uuid4()}"}


def test_a_retry_with_the_same_key_replays_the_answer_and_stores_nothing_new(client, db):
    headers = key()
    first = client.post(URL, json=payload(), headers=headers)

    retry = client.post(URL, json=payload(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(stored(db)) == 1


def test_the_same_key_with_another_body_is_a_422_and_stores_nothing(client, db):
    headers = key()
    client.post(URL, json=payload(), headers=headers)

    response = client.post(URL, json=payload(quantity=99), headers=headers)

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert [row.quantity for row in stored(db)] == [12.5]


def test_keys_are_per_client(client, db, keys_dir):
    headers = key()
    client.post(URL, json=payload(), headers=headers)
    other = {"Authorization": f"Bearer {keys.mint(keys_dir, 'crew-7')}"}

    response = client.post(URL, json=payload(), headers=headers | other)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert len(stored(db)) == 2


def test_a_failed_request_stores_no_key_so_its_corrected_retry_runs(client, db):
    headers = key()
    rejected = client.post(URL, json=payload(quantity=-1), headers=headers)

    corrected = client.post(URL, json=payload(), headers=headers)

    assert rejected.status_code == 422
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected.headers
    assert len(stored(db)) == 1


@pytest.mark.parametrize("bad", ["", "with space", "x" * 256, "é"])
def test_a_malformed_key_is_a_400(client, db, bad):
    response = client.post(URL, json=payload(), headers={"Idempotency-Key": bad})

    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert stored(db) == []


def test_without_a_key_every_post_stores_a_row_as_before(client, db):
    client.post(URL, json=payload())
    client.post(URL, json=payload())

    assert len(stored(db)) == 2


def test_an_import_retried_with_its_key_replays_and_stores_the_rows_once(client, db):
    headers = key()
    rows = [payload(quantity=n + 1) for n in range(3)]
    first = client.post(IMPORT, json=rows, headers=headers)

    retry = client.post(IMPORT, json=rows, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(stored(db)) == 3


def test_a_csv_import_and_a_json_one_under_one_key_are_different_requests(client, db):
    headers = key()
    client.post(IMPORT, json=[payload()], headers=headers)
    text = "location,waste_type,quantity,unit,collected_date\nA,Glass,1,Kg,2026-01-01T00:00:00Z\n"

    response = client.post(IMPORT, data=text, content_type="text/csv", headers=headers)

    assert response.status_code == 422
    assert len(stored(db)) == 1


def test_get_answers_a_strong_etag_and_a_304_when_it_still_matches(client, db):
    created = create(client)
    first = client.get(f"{URL}/{created['id']}")
    tag = first.headers["ETag"]

    again = client.get(f"{URL}/{created['id']}", headers={"If-None-Match": tag})

    assert tag.startswith('"') and not tag.startswith("W/")
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == tag


def test_the_etag_changes_with_the_item(client, db):
    created = create(client)
    before = client.get(f"{URL}/{created['id']}").headers["ETag"]
    client.patch(f"{URL}/{created['id']}", json={"quantity": 13})

    after = client.get(f"{URL}/{created['id']}", headers={"If-None-Match": before})

    assert after.status_code == 200
    assert after.headers["ETag"] != before


def test_a_created_item_answers_the_etag_a_get_would(client, db):
    response = client.post(URL, json=payload())

    read = client.get(response.headers["Location"])

    assert response.headers["ETag"] == read.headers["ETag"]


@pytest.mark.parametrize(
    ("method", "body"),
    [("put", payload(quantity=2, status="Pending")), ("patch", {"quantity": 2}), ("delete", None)],
)
def test_a_write_with_a_stale_if_match_is_a_412_and_changes_nothing(client, db, method, body):
    created = create(client)
    item = f"{URL}/{created['id']}"
    stale = client.get(item).headers["ETag"]
    client.patch(item, json={"quantity": 7})

    response = getattr(client, method)(item, json=body, headers={"If-Match": stale})

    assert response.status_code == 412
    assert response.content_type == "application/problem+json"
    assert [row.quantity for row in stored(db)] == [7]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_write_with_the_current_if_match_runs_and_answers_the_new_etag(client, db, method):
    created = create(client)
    item = f"{URL}/{created['id']}"
    current = client.get(item).headers["ETag"]
    body = payload(quantity=2, status="Pending") if method == "put" else {"quantity": 2}

    response = getattr(client, method)(item, json=body, headers={"If-Match": current})

    assert response.status_code == 200
    assert response.headers["ETag"] == client.get(item).headers["ETag"] != current
    assert [row.quantity for row in stored(db)] == [2]


def test_delete_with_the_current_or_any_if_match_deletes(client, db):
    first, second = create(client), create(client)
    current = client.get(f"{URL}/{first['id']}").headers["ETag"]

    assert client.delete(f"{URL}/{first['id']}", headers={"If-Match": current}).status_code == 204
    assert client.delete(f"{URL}/{second['id']}", headers={"If-Match": "*"}).status_code == 204
    assert stored(db) == []


def test_if_match_on_an_unknown_item_is_still_a_404(client, db):
    response = client.delete(f"{URL}/2147483647", headers={"If-Match": '"abc"'})

    assert response.status_code == 404
