"""POST /api/v1/locations: what is accepted, what is refused, what is stored."""

import pytest

from locations_service.models import LocationType
from locations_service.tests.factories import URL, create, payload, stored


def test_create_returns_201_the_stored_location_and_its_url(client, db):
    response = client.post(URL, json=payload())

    assert response.status_code == 201
    body = response.get_json()
    assert body == payload(id=body["id"], archived=False)
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    [row] = stored(db)
    assert (row.name, row.zone, row.location_type) == (
        "Depot North",
        "North",
        LocationType.DROP_OFF,
    )
    assert (row.latitude, row.longitude, row.archived) == (52.3791, 4.9003, False)


def test_create_with_only_the_required_fields_stores_nulls(client, db):
    response = client.post(URL, json={"name": "Bare", "location_type": "Public"})

    assert response.status_code == 201
    body = response.get_json()
    assert [body[k] for k in ("address", "zone", "latitude", "longitude")] == [None] * 4


def test_create_accepts_what_a_rust_client_serializes(client, db):
    response = client.post(URL, json=payload(id=None, archived=False))

    assert response.status_code == 201


def test_a_second_location_with_the_same_name_is_409(client, db):
    create(client)

    response = client.post(URL, json=payload(zone="South"))

    assert response.status_code == 409
    assert "name" in response.get_json()["errors"]
    assert len(stored(db)) == 1


@pytest.mark.parametrize(
    "coordinates",
    [
        {"latitude": 52.0, "longitude": None},
        {"latitude": None, "longitude": 4.0},
        {"latitude": 52.0, "longitude": "x"},
    ],
)
def test_latitude_and_longitude_come_together_or_not_at_all(client, db, coordinates):
    body = payload(**coordinates)

    response = client.post(URL, json=body)

    assert response.status_code == 422
    assert {"latitude", "longitude"} & set(response.get_json()["errors"])
    assert stored(db) == []


def test_one_coordinate_missing_from_the_body_is_422(client, db):
    body = payload()
    del body["longitude"]

    response = client.post(URL, json=body)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"latitude", "longitude"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", 90.0001),
        ("latitude", -90.5),
        ("longitude", 180.5),
        ("longitude", -181),
        ("latitude", True),
    ],
)
def test_coordinates_out_of_range_are_422(client, db, field, value):
    response = client.post(URL, json=payload(**{field: value}))

    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("edge", [(90, 180), (-90, -180), (0, 0)])
def test_coordinates_at_the_edges_are_accepted(client, db, edge):
    response = client.post(URL, json=payload(latitude=edge[0], longitude=edge[1]))

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 201),
        ("name", None),
        ("name", "a\u0000"),
        ("address", "x" * 501),
        ("zone", ""),
        ("location_type", "dropoff"),
        ("location_type", "Drop-Off"),
        ("id", 3),
        ("archived", True),
        ("colour", "red"),
    ],
)
def test_bad_fields_are_422_naming_them(client, db, field, value):
    response = client.post(URL, json=payload(**{field: value}))

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert stored(db) == []


def test_location_type_errors_name_the_allowed_values(client, db):
    response = client.post(URL, json=payload(location_type="Warehouse"))

    [message] = response.get_json()["errors"]["location_type"]
    for allowed in ("Residential", "Commercial", "Industrial", "Public", "DropOff"):
        assert allowed in message
