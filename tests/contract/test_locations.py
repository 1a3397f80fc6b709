"""API.md's locations contract: shapes, spellings, nulls, paging, errors."""

import pytest

from tests.conftest import http
from tests.contract.conftest import unique
from tests.contract.test_collections import INT32_MAX, LINK_NEXT, assert_problem

LOCATION_KEYS = {
    "id",
    "name",
    "address",
    "zone",
    "location_type",
    "latitude",
    "longitude",
    "archived",
}


@pytest.fixture(scope="module")
def api(base) -> str:
    return f"{base}/api/v1/locations"


def serde_body(**fields) -> dict:
    """What a Rust client serializing its struct sends: every field, id null."""
    body = {
        "id": None,
        "name": unique("Contract Point"),
        "address": "1 Harbour Road",
        "zone": unique("Contract Zone"),
        "location_type": "DropOff",
        "latitude": 52.3791,
        "longitude": 4.9003,
        "archived": False,
    }
    return body | fields


def assert_location(item: dict) -> None:
    assert set(item) == LOCATION_KEYS
    assert isinstance(item["id"], int) and 1 <= item["id"] <= INT32_MAX
    assert isinstance(item["archived"], bool)


def test_create_answers_201_the_exact_shape_and_a_location(api):
    sent = serde_body()

    response = http.post(api, json=sent, timeout=5)

    assert response.status_code == 201
    body = response.json()
    assert_location(body)
    assert body == sent | {"id": body["id"]}
    assert response.headers["Location"].endswith(f"/api/v1/locations/{body['id']}")


@pytest.mark.parametrize(
    "location_type", ["Residential", "Commercial", "Industrial", "Public", "DropOff"]
)
def test_every_location_type_spelling_round_trips(api, location_type):
    body = http.post(api, json=serde_body(location_type=location_type), timeout=5).json()

    assert http.get(f"{api}/{body['id']}", timeout=5).json()["location_type"] == location_type


def test_nulls_are_present_not_omitted(api):
    body = http.post(
        api, json={"name": unique("Contract Bare"), "location_type": "Public"}, timeout=5
    ).json()

    assert_location(body)
    assert [body[k] for k in ("address", "zone", "latitude", "longitude")] == [None] * 4


def test_the_list_is_a_bare_array_paged_by_an_rfc8288_link(api):
    zone = unique("Contract Zone")
    for _ in range(3):
        http.post(api, json=serde_body(zone=zone), timeout=5)

    response = http.get(api, params={"zone": zone, "limit": 2}, timeout=5)

    assert isinstance(response.json(), list) and len(response.json()) == 2
    assert LINK_NEXT.match(response.headers["Link"])
    for item in response.json():
        assert_location(item)


def test_errors_are_problem_json(api):
    created = http.post(api, json=serde_body(), timeout=5).json()
    url = f"{api}/{created['id']}"

    assert_problem(http.get(f"{api}/{INT32_MAX + 1}", timeout=5), 404)
    assert_problem(http.post(api, json=serde_body(name=created["name"]), timeout=5), 409)
    assert_problem(http.patch(url, json={"name": "Another"}, timeout=5), 409)
    assert_problem(http.post(api, json=serde_body(latitude=None), timeout=5), 422)
    assert_problem(http.post(api, data="x", headers={"Content-Type": "text/plain"}, timeout=5), 415)
