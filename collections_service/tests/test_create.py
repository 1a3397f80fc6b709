"""POST /api/v1/collections: what is accepted, what is refused, what is stored."""

import json
from datetime import UTC, datetime

import pytest

from collections_service.models import Status, Unit, WasteType
from collections_service.tests.factories import URL, payload, stored


def post_raw(client, text: str):
    return client.post(URL, data=text, content_type="application/json")


def test_create_returns_201_the_stored_collection_and_its_location(client, db):
    response = client.post(URL, json=payload())

    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "location": "Depot North",
        "waste_type": "Plastic",
        "quantity": 12.5,
        "unit": "Kg",
        "collected_date": "2026-03-01T08:30:00Z",
        "status": "Pending",
    }
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    [row] = stored(db)
    assert (row.id, row.location, row.quantity) == (body["id"], "Depot North", 12.5)
    assert (row.waste_type, row.unit, row.status) == (WasteType.PLASTIC, Unit.KG, Status.PENDING)
    assert row.collected_date == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_create_accepts_null_id_as_a_rust_client_sends_it(client, db):
    response = client.post(URL, json=payload(id=None))

    assert response.status_code == 201
    assert len(stored(db)) == 1


@pytest.mark.parametrize("given_id", [0, 7, -1, "7", True, 1.5, [], {}])
def test_create_with_any_id_but_null_is_422(client, db, given_id):
    response = client.post(URL, json=payload(id=given_id))

    assert response.status_code == 422
    assert "id" in response.get_json()["errors"]
    assert stored(db) == []


def test_create_with_an_unknown_field_is_422_naming_it(client, db):
    response = client.post(URL, json=payload(colour="green"))

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"colour": ["Unknown field."]}
    assert stored(db) == []


@pytest.mark.parametrize(
    "when",
    [
        "2026-03-01T08:30:00",
        "2026-03-01",
        "2026-03-01 08:30:00Z",
        "20260301T083000Z",
        "2026-02-30T08:30:00Z",
        "yesterday",
        1767225600,
    ],
)
def test_create_with_a_date_that_is_not_rfc3339_with_offset_is_422(client, db, when):
    response = client.post(URL, json=payload(collected_date=when))

    assert response.status_code == 422
    assert "collected_date" in response.get_json()["errors"]
    assert stored(db) == []


def test_create_stores_and_returns_dates_in_utc_with_z(client, db):
    response = client.post(URL, json=payload(collected_date="2026-03-01T10:30:00.250+02:00"))

    assert response.get_json()["collected_date"] == "2026-03-01T08:30:00.250Z"
    assert stored(db)[0].collected_date == datetime(2026, 3, 1, 8, 30, 0, 250000, tzinfo=UTC)


def test_create_with_a_date_that_leaves_the_calendar_in_utc_is_422(client, db):
    response = client.post(URL, json=payload(collected_date="0001-01-01T00:30:00+01:00"))

    assert response.status_code == 422
    assert "collected_date" in response.get_json()["errors"]


@pytest.mark.parametrize("quantity", [0, -1, -0.001, "12.5", True, False, None, [1]])
def test_create_with_a_quantity_that_is_not_a_positive_number_is_422(client, db, quantity):
    response = client.post(URL, json=payload(quantity=quantity))

    assert response.status_code == 422
    assert "quantity" in response.get_json()["errors"]
    assert stored(db) == []


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "NaN", "Infinity"])
def test_create_with_a_non_finite_quantity_is_422(client, db, literal):
    text = json.dumps(payload(quantity=0)).replace('"quantity": 0', f'"quantity": {literal}')

    response = post_raw(client, text)

    assert response.status_code == 422
    assert "quantity" in response.get_json()["errors"]
    assert stored(db) == []


def test_create_keeps_integer_and_fractional_quantities_exactly(client, db):
    whole = client.post(URL, json=payload(quantity=3)).get_json()
    tiny = client.post(URL, json=payload(quantity=0.001)).get_json()

    assert (whole["quantity"], tiny["quantity"]) == (3, 0.001)
    assert [row.quantity for row in stored(db)] == [3.0, 0.001]


def test_create_with_waste_type_in_the_wrong_case_is_422_naming_the_allowed_values(client, db):
    response = client.post(URL, json=payload(waste_type="organic"))

    assert response.status_code == 422
    [message] = response.get_json()["errors"]["waste_type"]
    for allowed in ("Organic", "Plastic", "Paper", "Metal", "Glass", "Electronic"):
        assert allowed in message
    assert stored(db) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("unit", "kg"), ("unit", "Tonnes"), ("status", "Done"), ("status", "completed")],
)
def test_create_with_an_unknown_enum_spelling_is_422(client, db, field, value):
    response = client.post(URL, json=payload(**{field: value}))

    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("location", ["", "x" * 201, "a\u0000b", None, 5])
def test_create_with_an_unusable_location_is_422(client, db, location):
    response = client.post(URL, json=payload(location=location))

    assert response.status_code == 422
    assert "location" in response.get_json()["errors"]
    assert stored(db) == []


def test_create_with_a_lone_surrogate_in_location_is_422(client, db):
    response = post_raw(client, json.dumps(payload(location="\ud800")))

    assert response.status_code == 422
    assert "location" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "missing", ["location", "waste_type", "quantity", "unit", "collected_date"]
)
def test_create_without_a_required_field_is_422_naming_it(client, db, missing):
    body = payload()
    del body[missing]

    response = client.post(URL, json=body)

    assert response.status_code == 422
    assert response.get_json()["errors"] == {missing: ["Missing data for required field."]}


def test_create_may_set_status_completed(client, db):
    response = client.post(URL, json=payload(status="Completed"))

    assert response.get_json()["status"] == "Completed"
    assert stored(db)[0].status == Status.COMPLETED


@pytest.mark.parametrize("body", ["[]", "42", '"text"', "null"])
def test_create_with_a_body_that_is_not_an_object_is_422(client, db, body):
    response = post_raw(client, body)

    assert response.status_code == 422
    assert stored(db) == []
