"""Quantities and dates stay in the plausible range on every path that writes
(bounds.py): one absurd value must never reach a total."""

import pytest

from collections_service.tests.factories import URL, create, payload, stored
from collections_service.tests.test_transfer import IMPORT, post_csv

HUGE = 1.7976931348623157e308  # the largest double


@pytest.mark.parametrize(("quantity", "unit"), [(1e6, "Kg"), (1000, "Tons"), (1e6, "Liters")])
def test_a_quantity_at_its_units_bound_is_stored(client, db, quantity, unit):
    created = create(client, quantity=quantity, unit=unit)

    assert (created["quantity"], created["unit"]) == (quantity, unit)
    assert [row.quantity for row in stored(db)] == [quantity]


@pytest.mark.parametrize(
    ("quantity", "unit"),
    [(1e6 + 1, "Kg"), (1000.001, "Tons"), (1e6 + 0.5, "Liters"), (HUGE, "Tons"), (1e308, "Kg")],
)
def test_a_quantity_over_its_units_bound_is_422_and_stores_nothing(client, db, quantity, unit):
    response = client.post(URL, json=payload(quantity=quantity, unit=unit))

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["quantity"]
    assert "At most" in response.get_json()["errors"]["quantity"][0]
    assert stored(db) == []


@pytest.mark.parametrize("when", ["1970-01-01T00:00:00Z", "2099-12-31T23:59:59.999999Z"])
def test_dates_at_the_ends_of_the_range_round_trip(client, db, when):
    created = create(client, collected_date=when)

    response = client.get(f"{URL}/{created['id']}")

    assert (response.status_code, response.get_json()["collected_date"]) == (200, when)


@pytest.mark.parametrize(
    "when",
    [
        "1969-12-31T23:59:59.999Z",
        "1970-01-01T00:30:00+01:00",  # 1969 in UTC
        "2100-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ],
)
def test_a_date_outside_the_range_is_422_and_stores_nothing(client, db, when):
    response = client.post(URL, json=payload(collected_date=when))

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["collected_date"]
    assert stored(db) == []


def test_put_over_the_bound_is_422_and_changes_nothing(client, db):
    created = create(client)
    body = payload(quantity=5000, unit="Tons", status="Pending")

    response = client.put(f"{URL}/{created['id']}", json=body)

    assert response.status_code == 422
    assert [(row.quantity, row.unit.value) for row in stored(db)] == [(12.5, "Kg")]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"unit": "Tons"}, "quantity"),  # 500,000 Kg read as Tons: 500,000 t
        ({"quantity": 2e6}, "quantity"),
        ({"quantity": 2000, "unit": "Tons"}, "quantity"),
        ({"collected_date": "2100-06-01T00:00:00Z"}, "collected_date"),
    ],
)
def test_patch_that_leaves_the_collection_out_of_bounds_is_422(client, db, changes, named):
    created = create(client, quantity=500_000, unit="Kg")

    response = client.patch(f"{URL}/{created['id']}", json=changes)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [named]
    assert [(row.quantity, row.unit.value) for row in stored(db)] == [(500_000, "Kg")]


def test_patch_of_the_unit_alone_within_the_bound_is_stored(client, db):
    created = create(client, quantity=800, unit="Kg")

    response = client.patch(f"{URL}/{created['id']}", json={"unit": "Tons"})

    assert (response.status_code, response.get_json()["unit"]) == (200, "Tons")


def test_an_import_with_one_row_over_a_bound_stores_nothing_and_names_it(client, db):
    rows = [
        payload(),
        payload(quantity=HUGE, unit="Tons"),
        payload(collected_date="0001-01-01T00:00:00Z"),
    ]

    response = client.post(IMPORT, json=rows)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error_count"] == 2
    assert [(row["row"], list(row["errors"])) for row in body["rows"]] == [
        (2, ["quantity"]),
        (3, ["collected_date"]),
    ]
    assert stored(db) == []


def test_a_csv_import_over_a_bound_stores_nothing(client, db):
    text = (
        "location,waste_type,quantity,unit,collected_date\r\n"
        "Depot North,Glass,1e308,Kg,2026-03-01T08:30:00Z\r\n"
    )

    response = post_csv(client, text)

    assert response.status_code == 422
    assert response.get_json()["rows"][0]["errors"].keys() == {"quantity"}
    assert stored(db) == []


def test_the_openapi_document_states_the_bounds(client):
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["CollectionIn"]

    quantity = schema["properties"]["quantity"]
    assert quantity["maximum"] == 1e6
    assert "1,000 Tons" in quantity["description"]
    assert "1970-01-01T00:00:00Z" in schema["properties"]["collected_date"]["description"]
