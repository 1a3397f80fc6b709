"""GET /api/v1/collections: filters, order, limit and keyset paging."""

import base64
import json
import re

import pytest

from collections_service.models import Collection
from collections_service.tests.factories import ROW, URL, create

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def next_url(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    match = LINK.match(link)
    assert match, link
    return match.group(1)


def all_pages(client, url: str) -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url)
        pages.append(ids(response))
        url = next_url(response)
    return pages


@pytest.fixture
def mixed(client):
    """Four collections that differ in every filtered field."""
    return [
        create(
            client,
            location="A",
            waste_type="Paper",
            status="Pending",
            collected_date="2026-01-01T00:00:00Z",
        ),
        create(
            client,
            location="B",
            waste_type="Glass",
            status="Completed",
            collected_date="2026-01-02T00:00:00Z",
        ),
        create(
            client,
            location="A",
            waste_type="Glass",
            status="Completed",
            collected_date="2026-01-03T00:00:00Z",
        ),
        create(
            client,
            location="C",
            waste_type="Metal",
            status="Pending",
            collected_date="2025-12-31T23:59:59Z",
        ),
    ]


def test_list_returns_a_bare_array_ordered_by_id(client, mixed):
    response = client.get(URL)

    assert isinstance(response.get_json(), list)
    assert ids(response) == [c["id"] for c in mixed]
    assert response.get_json()[0] == mixed[0]
    assert "Link" not in response.headers


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("location=A", [0, 2]),
        ("location=A&location=C", [0, 2, 3]),
        ("waste_type=Glass", [1, 2]),
        ("waste_type=Glass&waste_type=Metal", [1, 2, 3]),
        ("status=Completed", [1, 2]),
        ("status=Pending&location=C", [3]),
        ("location=A&waste_type=Glass&status=Completed", [2]),
        ("location=nowhere", []),
    ],
)
def test_list_filters_combine_and_repeat(client, mixed, query, expected):
    assert ids(client.get(f"{URL}?{query}")) == [mixed[i]["id"] for i in expected]


def test_collected_range_is_half_open(client, mixed):
    query = "collected_from=2026-01-01T00:00:00Z&collected_to=2026-01-03T00:00:00Z"

    assert ids(client.get(f"{URL}?{query}")) == [mixed[0]["id"], mixed[1]["id"]]


def test_collected_range_honours_offsets(client, mixed):
    query = "collected_from=2026-01-01T01:00:00%2B01:00"

    assert ids(client.get(f"{URL}?{query}")) == [c["id"] for c in mixed[:3]]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("id", [0, 1, 2, 3]),
        ("-id", [3, 2, 1, 0]),
        ("collected_date", [3, 0, 1, 2]),
        ("-collected_date", [2, 1, 0, 3]),
    ],
)
def test_sort_orders(client, mixed, sort, order):
    assert ids(client.get(f"{URL}?sort={sort}")) == [mixed[i]["id"] for i in order]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("waste_type=organic", "waste_type"),
        ("status=Done", "status"),
        ("sort=location", "sort"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("collected_from=2026-01-01", "collected_from"),
        ("collected_to=2026-01-01T00:00:00", "collected_to"),
        ("cursor=%%%", "cursor"),
        ("location=", "location"),
    ],
)
def test_bad_filters_are_422_naming_them(client, db, query, field):
    response = client.get(f"{URL}?{query}")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("sort", ["id", "-id", "collected_date", "-collected_date"])
def test_paging_visits_every_row_once_in_order(client, db, sort):
    # Same dates on several rows: the id breaks the tie inside the cursor.
    days = [3, 1, 2, 1, 3, 2, 1]
    made = [create(client, collected_date=f"2026-02-0{day}T12:00:00Z") for day in days]

    pages = all_pages(client, f"{URL}?sort={sort}&limit=3")

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == ids(client.get(f"{URL}?sort={sort}"))
    assert sorted(i for page in pages for i in page) == [c["id"] for c in made]


def test_the_next_link_keeps_the_filters(client, db):
    for location in ["A", "B", "A", "A"]:
        create(client, location=location)

    first = client.get(f"{URL}?location=A&limit=2")
    second = client.get(next_url(first))

    assert "location=A" in next_url(first)
    assert [item["location"] for item in second.get_json()] == ["A"]
    assert next_url(second) is None


def test_paging_stays_correct_when_rows_are_inserted_between_fetches(client, db):
    early = [create(client, collected_date=f"2026-03-0{d}T00:00:00Z") for d in (1, 2, 3, 4)]

    first = client.get(f"{URL}?sort=collected_date&limit=2")
    # One row lands before the cursor, one after it.
    create(client, collected_date="2026-02-01T00:00:00Z")
    late = create(client, collected_date="2026-03-09T00:00:00Z")
    rest = all_pages(client, next_url(first))

    assert ids(first) == [early[0]["id"], early[1]["id"]]
    assert [i for page in rest for i in page] == [early[2]["id"], early[3]["id"], late["id"]]


def test_a_cursor_from_another_sort_is_422(client, db):
    for _ in range(3):
        create(client)
    cursor = next_url(client.get(f"{URL}?sort=id&limit=1")).split("cursor=")[1]

    response = client.get(f"{URL}?sort=-collected_date&cursor={cursor}")

    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]


@pytest.mark.parametrize("cursor", ["WyJpZCJd", "WyJpZCIsInRleHQiXQ", "WyJpZCIsdHJ1ZV0", "e30"])
def test_a_damaged_cursor_is_422(client, db, cursor):
    response = client.get(f"{URL}?cursor={cursor}")

    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]


def test_limit_defaults_to_100_and_a_page_of_1000_is_allowed(client, db):
    db.add_all([Collection(**{**ROW, "id": None}) for _ in range(101)])
    db.commit()

    default = client.get(URL)
    large = client.get(f"{URL}?limit=1000")

    assert len(ids(default)) == 100
    assert next_url(default) is not None
    assert len(ids(large)) == 101
    assert next_url(large) is None


@pytest.mark.parametrize("query", ["sort=id&sort=-id", "limit=5&limit=6", "cursor=a&cursor=b"])
def test_a_single_valued_parameter_given_twice_is_422(client, db, query):
    response = client.get(f"{URL}?{query}")

    assert response.status_code == 422
    assert query.split("=")[0] in response.get_json()["errors"]


@pytest.mark.parametrize("limit", ["%D9%A5", "%205", "5.0", "1e2"])
def test_limit_takes_plain_ascii_digits_only(client, db, limit):
    assert client.get(f"{URL}?limit={limit}").status_code == 422


@pytest.mark.parametrize(
    "key", [["id", 2**63], ["id", 0], ["collected_date", "2026-01-01T00:00:00Z", 2**40]]
)
def test_a_cursor_with_an_impossible_key_is_422(client, db, key):
    sort = key[0]
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")

    response = client.get(f"{URL}?sort={sort}&cursor={cursor}")

    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]


@pytest.mark.parametrize("cursor", [base64.urlsafe_b64encode(b"[" * 1001).decode(), "a" * 513])
def test_a_deeply_nested_or_overlong_cursor_is_422(client, db, cursor):
    response = client.get(f"{URL}?cursor={cursor}")

    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]
