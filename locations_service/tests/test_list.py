"""GET /api/v1/locations: filters, order and keyset paging."""

import pytest

from locations_service.tests.factories import URL, create


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()]


@pytest.fixture
def places(client):
    specs = [
        ("Harbour Depot", "North", "DropOff"),
        ("Market 10%", "Centre", "Commercial"),
        ("Mill Lane", "South", "Industrial"),
        ("Park West", "West", "Public"),
        ("harbour flats", "North", "Residential"),
    ]
    return [create(client, name=n, zone=z, location_type=t) for n, z, t in specs]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zone=North", ["Harbour Depot", "harbour flats"]),
        ("zone=North&zone=West", ["Harbour Depot", "Park West", "harbour flats"]),
        ("location_type=Industrial&location_type=Public", ["Mill Lane", "Park West"]),
        ("name=Mill%20Lane", ["Mill Lane"]),
        ("name=mill%20lane", []),
        ("q=harbour", ["Harbour Depot", "harbour flats"]),
        ("q=10%25", ["Market 10%"]),
        ("q=_", []),
        ("zone=North&location_type=Residential", ["harbour flats"]),
    ],
)
def test_filters(client, places, query, expected):
    assert names(client.get(f"{URL}?{query}")) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Harbour Depot", "Market 10%", "Mill Lane", "Park West", "harbour flats"]),
        ("-id", ["harbour flats", "Park West", "Mill Lane", "Market 10%", "Harbour Depot"]),
    ],
)
def test_sort(client, places, sort, expected):
    assert names(client.get(f"{URL}?sort={sort}")) == expected


@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name"])
def test_paging_visits_every_location_once(client, places, sort):
    seen, url = [], f"{URL}?sort={sort}&limit=2"
    while url:
        response = client.get(url)
        seen += names(response)
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None

    assert seen == names(client.get(f"{URL}?sort={sort}"))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("zone=", "zone"),
        ("location_type=dropoff", "location_type"),
        ("archived=maybe", "archived"),
        ("sort=zone", "sort"),
        ("limit=1001", "limit"),
        ("q=", "q"),
        ("colour=red", "colour"),
        ("cursor=abc", "cursor"),
    ],
)
def test_bad_filters_are_422_naming_them(client, db, query, field):
    response = client.get(f"{URL}?{query}")

    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_name_may_be_repeated_to_ask_for_several(client, places):
    response = client.get(f"{URL}?name=Mill%20Lane&name=Park%20West&name=Nowhere")

    assert names(response) == ["Mill Lane", "Park West"]
