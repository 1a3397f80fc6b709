"""GET, PUT, PATCH and DELETE of one collection."""

import pytest

from collections_service.models import Status, WasteType
from collections_service.tests.factories import URL, create, payload, stored


def test_get_returns_the_collection(client, db):
    created = create(client)

    response = client.get(f"{URL}/{created['id']}")

    assert response.status_code == 200
    assert response.get_json() == created


@pytest.mark.parametrize(
    "collection_id",
    [
        "2147483648",
        "99999999999999999999999",
        "-1",
        "0",
        "abc",
        "1.5",
        "1e3",
        "%00",
        "0001",
        "%D9%A1",
        "%EF%BC%91",
        "+1",
        " 1",
    ],
)
def test_ids_outside_int32_or_not_numbers_are_404_problems(client, db, collection_id):
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(f"{URL}/{collection_id}", json=payload())

        assert response.status_code == 404, method
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == 404


def test_get_an_unknown_id_is_404_naming_it(client, db):
    response = client.get(f"{URL}/2147483647")

    assert response.status_code == 404
    assert "2147483647" in response.get_json()["detail"]


def test_put_replaces_every_field(client, db):
    created = create(client)
    replacement = payload(
        location="Depot South",
        waste_type="Glass",
        quantity=3,
        unit="Tons",
        collected_date="2026-04-02T00:00:00+02:00",
        status="Completed",
    )

    response = client.put(f"{URL}/{created['id']}", json=replacement)

    assert response.status_code == 200
    assert response.get_json() == {
        "id": created["id"],
        "location": "Depot South",
        "waste_type": "Glass",
        "quantity": 3,
        "unit": "Tons",
        "collected_date": "2026-04-01T22:00:00Z",
        "status": "Completed",
    }
    [row] = stored(db)
    assert (row.location, row.waste_type, row.status) == (
        "Depot South",
        WasteType.GLASS,
        Status.COMPLETED,
    )


def test_put_accepts_the_body_a_client_read_with_its_own_id(client, db):
    created = create(client)

    response = client.put(f"{URL}/{created['id']}", json=created | {"quantity": 2.5})

    assert response.status_code == 200
    assert stored(db)[0].quantity == 2.5


def test_put_with_another_id_in_the_body_is_422_and_changes_nothing(client, db):
    created = create(client)

    response = client.put(
        f"{URL}/{created['id']}", json=created | {"id": created["id"] + 1, "quantity": 99}
    )

    assert response.status_code == 422
    assert "id" in response.get_json()["errors"]
    assert stored(db)[0].quantity == 12.5


def test_put_without_status_is_422(client, db):
    created = create(client)

    response = client.put(f"{URL}/{created['id']}", json=payload())

    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_patch_changes_only_the_fields_sent(client, db):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={"status": "Completed"})

    assert response.status_code == 200
    assert response.get_json() == created | {"status": "Completed"}
    assert stored(db)[0].status == Status.COMPLETED


def test_patch_validates_like_create(client, db):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={"quantity": -1, "waste_type": "x"})

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"quantity", "waste_type"}
    assert stored(db)[0].quantity == 12.5


@pytest.mark.parametrize("field", ["id", "status", "location"])
def test_patch_refuses_null_and_ids(client, db, field):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={field: None if field != "id" else 3})

    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_completed_back_to_pending_is_409_and_changes_nothing(client, db, method):
    created = create(client, status="Completed")
    body = {"status": "Pending", "quantity": 1}
    if method == "put":
        body = payload(status="Pending", quantity=1)

    response = getattr(client, method)(f"{URL}/{created['id']}", json=body)

    assert response.status_code == 409
    assert response.get_json()["status"] == 409
    [row] = stored(db)
    assert (row.status, row.quantity) == (Status.COMPLETED, 12.5)


def test_a_status_alone_back_to_pending_is_409_and_changes_nothing(client, db):
    created = create(client, status="Completed")

    response = client.patch(f"{URL}/{created['id']}", json={"status": "Pending"})
    missing = client.patch(f"{URL}/{created['id'] + 1000}", json={"status": "Completed"})

    assert response.status_code == 409
    assert response.get_json()["status"] == 409
    assert missing.status_code == 404
    [row] = stored(db)
    assert row.status == Status.COMPLETED


def test_completed_to_completed_is_allowed(client, db):
    created = create(client, status="Completed")

    response = client.patch(f"{URL}/{created['id']}", json={"status": "Completed", "quantity": 2})

    assert response.status_code == 200
    assert (stored(db)[0].status, stored(db)[0].quantity) == (Status.COMPLETED, 2)


def test_a_deleted_id_is_never_given_again(client, db):
    first, last = create(client), create(client)
    client.delete(f"{URL}/{last['id']}")

    again = create(client)

    assert again["id"] > last["id"] > first["id"]


def test_delete_removes_the_collection(client, db):
    kept, removed = create(client), create(client)

    response = client.delete(f"{URL}/{removed['id']}")

    assert response.status_code == 204
    assert response.data == b""
    assert [row.id for row in stored(db)] == [kept["id"]]
    assert client.get(f"{URL}/{removed['id']}").status_code == 404


def test_delete_an_unknown_id_is_404(client, db):
    assert client.delete(f"{URL}/12345").status_code == 404
