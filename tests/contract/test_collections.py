"""API.md's collections contract: shapes, spellings, paging, errors."""

import re
from urllib.parse import urljoin

import pytest

from tests.conftest import http
from tests.contract.conftest import YARD

COLLECTION_KEYS = {"id", "location", "waste_type", "quantity", "unit", "collected_date", "status"}
PROBLEM_REQUIRED = {"type", "title", "status", "request_id"}
PROBLEM_ALLOWED = PROBLEM_REQUIRED | {"detail", "errors"}
UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6})?Z$")
LINK_NEXT = re.compile(r'^<[^>]+cursor=[^>]+>; rel="next"$')
INT32_MAX = 2**31 - 1


@pytest.fixture(scope="module")
def api(base) -> str:
    return f"{base}/api/v1/collections"


def serde_body(**fields) -> dict:
    """What a Rust client serializing the plan's struct sends: every field, id null."""
    body = {
        "id": None,
        "location": YARD,
        "waste_type": "Metal",
        "quantity": 7.25,
        "unit": "Kg",
        "collected_date": "2026-06-01T12:00:00Z",
        "status": "Pending",
    }
    return body | fields


def assert_collection(item: dict) -> None:
    assert set(item) == COLLECTION_KEYS
    assert isinstance(item["id"], int) and 1 <= item["id"] <= INT32_MAX
    assert isinstance(item["quantity"], int | float) and not isinstance(item["quantity"], bool)
    assert UTC_Z.match(item["collected_date"]), item["collected_date"]


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].split(";")[0] == "application/problem+json"
    body = response.json()
    assert PROBLEM_REQUIRED <= set(body) <= PROBLEM_ALLOWED
    assert body["status"] == status


def test_create_answers_201_the_exact_shape_and_a_location(api):
    response = http.post(api, json=serde_body(), timeout=5)

    assert response.status_code == 201
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert_collection(body)
    assert body == serde_body(id=body["id"])
    assert response.headers["Location"].endswith(f"/api/v1/collections/{body['id']}")


@pytest.mark.parametrize(
    ("field", "value"),
    [("waste_type", v) for v in ("Organic", "Plastic", "Paper", "Metal", "Glass", "Electronic")]
    + [("unit", v) for v in ("Kg", "Tons", "Liters")]
    + [("status", v) for v in ("Pending", "Completed")],
)
def test_every_enum_spelling_round_trips(api, field, value):
    body = http.post(api, json=serde_body(**{field: value}), timeout=5).json()

    assert body[field] == value
    assert http.get(f"{api}/{body['id']}", timeout=5).json()[field] == value


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("2026-03-01T08:30:00Z", "2026-03-01T08:30:00Z"),
        ("2026-03-01T10:30:00+02:00", "2026-03-01T08:30:00Z"),
        ("2026-02-28T23:30:00-01:00", "2026-03-01T00:30:00Z"),
        ("2026-03-01T08:30:00.5Z", "2026-03-01T08:30:00.500Z"),
    ],
)
def test_dates_come_back_in_utc_with_z(api, sent, returned):
    body = http.post(api, json=serde_body(collected_date=sent), timeout=5).json()

    assert body["collected_date"] == returned


def test_every_read_and_write_returns_the_same_shape(api):
    created = http.post(api, json=serde_body(), timeout=5).json()
    url = f"{api}/{created['id']}"

    answers = [
        http.get(url, timeout=5).json(),
        http.put(url, json=serde_body(quantity=1), timeout=5).json(),
        http.patch(url, json={"status": "Completed"}, timeout=5).json(),
        *http.get(api, params={"location": YARD}, timeout=5).json(),
    ]

    for answer in answers:
        assert_collection(answer)


def test_the_list_is_a_bare_array_paged_by_an_rfc8288_link(api, fresh_yard):
    place = fresh_yard["name"]
    for _ in range(3):
        http.post(api, json=serde_body(location=place), timeout=5)

    response = http.get(api, params={"location": place, "limit": 2}, timeout=5)

    assert isinstance(response.json(), list) and len(response.json()) == 2
    assert LINK_NEXT.match(response.headers["Link"])
    last = http.get(urljoin(response.url, response.links["next"]["url"]), timeout=5)
    assert len(last.json()) == 1 and "Link" not in last.headers


def test_delete_answers_204_without_a_body(api):
    created = http.post(api, json=serde_body(), timeout=5).json()

    response = http.delete(f"{api}/{created['id']}", timeout=5)

    assert (response.status_code, response.content) == (204, b"")


def test_errors_are_problem_json_for_every_status(api):
    created = http.post(api, json=serde_body(status="Completed"), timeout=5).json()
    url = f"{api}/{created['id']}"

    assert_problem(
        http.post(api, data="{", headers={"Content-Type": "application/json"}, timeout=5), 400
    )
    assert_problem(http.get(f"{api}/{INT32_MAX + 1}", timeout=5), 404)
    assert_problem(http.delete(api, timeout=5), 405)
    assert_problem(http.patch(url, json={"status": "Pending"}, timeout=5), 409)
    assert_problem(http.post(api, data="x", headers={"Content-Type": "text/plain"}, timeout=5), 415)
    assert_problem(http.post(api, json=serde_body(id=5), timeout=5), 422)
