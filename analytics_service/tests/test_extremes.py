"""The largest quantities and the farthest dates the collections service accepts,
stored through every path that writes, give analytics answers that are exact,
finite and match the service's own OpenAPI document; values beyond the bounds
(stored before they existed) are counted but never poison a total."""

import math

import pytest
from sqlalchemy import text

from service_kit.data.db import make_engine
from tests import documents

BASE = "/api/v1/analytics"
EARLIEST, LATEST = "1970-01-01T00:00:00Z", "2099-12-31T23:59:59.999999Z"
HUGE = 1.7976931348623157e308
REPORTS = [
    "/summary",
    "/timeseries?bucket=day",
    "/timeseries?bucket=week&by_waste_type=true",
    "/timeseries?bucket=month&by_waste_type=true",
    "/locations",
    "/zones",
]


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").get_json()


def answers(client, document) -> dict[str, dict]:
    """Every report, each checked against its documented schema and for
    numbers that JSON cannot carry exactly (null where a number belongs)."""
    found = {}
    for query in REPORTS:
        response = client.get(f"{BASE}{query}")
        assert response.status_code == 200, (query, response.get_json())
        body = response.get_json()
        documents.check(document, f"{BASE}{query.partition('?')[0]}", body)
        assert all(math.isfinite(number) for number in _numbers(body)), query
        found[query] = body
    return found


def _numbers(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _numbers(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _numbers(inner)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def test_the_largest_values_through_every_path_give_exact_finite_answers(client, world, document):
    yard = world.place()
    collections = f"{world.upstreams.collections}/api/v1/collections"
    first = world.record(yard, 1e6, "Kg", "Metal", EARLIEST)
    world.record(yard, 1000, "Tons", "Glass", LATEST, status="Completed")
    changed = world.record(yard, 1, "Kg", "Paper", "2026-03-01T00:00:00Z")
    world.change(changed["id"], quantity=1000, unit="Tons")  # PATCH: 1,000,000 kg
    replaced = world.record(yard, 1, "Kg", "Organic", "2026-03-01T00:00:00Z")
    body = {
        "location": yard,
        "waste_type": "Organic",
        "quantity": 1e6,
        "unit": "Liters",
        "collected_date": EARLIEST,
        "status": "Pending",
    }
    put = world.http.put(f"{collections}/{replaced['id']}", json=body, timeout=5)
    assert put.status_code == 200
    rows = [body | {"waste_type": "Electronic"}, body | {"unit": "Kg", "collected_date": LATEST}]
    assert world.http.post(f"{collections}/import", json=rows, timeout=5).status_code == 201
    csv = (
        f"location,waste_type,quantity,unit,collected_date\r\n{yard},Plastic,1000,Tons,{LATEST}\r\n"
    )
    imported = world.http.post(
        f"{collections}/import",
        data=csv.encode(),
        headers={"Content-Type": "text/csv"},
        timeout=5,
    )
    assert imported.status_code == 201
    refused = world.http.post(collections, json=body | {"quantity": HUGE}, timeout=5)
    assert refused.status_code == 422

    found = answers(client, document)

    # 1e6 kg five times, and 1e6 L of food at 0.2349 kg/L; 1e6 L of
    # electronics have no factor and stay litres.
    summary = found["/summary"]
    assert summary["total_kg"] == 5_000_000 + 234_900
    assert summary["collections"] == 7
    assert summary["unconverted_liters"] == {"Electronic": 1e6}
    assert summary["by_waste_type"]["Metal"]["share"] == round(1e6 / 5_234_900, 6)
    days = found["/timeseries?bucket=day"]["periods"]
    # 1970 to 2099 is more days than one answer holds: the latest 20,000.
    assert len(days) == 20_000
    assert days[-1]["period_start"] == "2099-12-31T00:00:00Z"
    months = found["/timeseries?bucket=month&by_waste_type=true"]["periods"]
    assert (months[0]["period_start"], months[-1]["period_start"]) == (
        "1970-01-01T00:00:00Z",
        "2099-12-01T00:00:00Z",
    )
    assert sum(month["kg"] for month in months) == summary["total_kg"]
    assert found["/zones"]["zones"][0]["kg"] == summary["total_kg"]
    assert first["collected_date"] == EARLIEST


def test_an_open_range_keeps_the_periods_next_to_the_end_it_was_given(client, world):
    yard = world.place()
    world.record(yard, 1, when=EARLIEST)
    world.record(yard, 2, when=LATEST)

    until = client.get(f"{BASE}/timeseries?bucket=day&to=2060-01-01T00:00:00Z").get_json()
    since = client.get(f"{BASE}/timeseries?bucket=day&from=1970-01-01T00:00:00Z").get_json()
    both = client.get(f"{BASE}/timeseries?bucket=day&from={EARLIEST}&to=2099-01-01T00:00:00Z")

    assert len(until["periods"]) == 20_000
    assert until["periods"][-1]["period_start"] == "2059-12-31T00:00:00Z"
    assert len(since["periods"]) == 20_000
    assert since["periods"][0] == {
        "period_start": "1970-01-01T00:00:00Z",
        "kg": 1,
        "collections": 1,
        "unconverted_liters": {},
    }
    assert both.status_code == 422
    assert "bucket" in both.get_json()["errors"]


def test_the_default_span_forgets_a_deleted_outlier(client, world):
    yard = world.place()
    outlier = world.record(yard, 1, when=EARLIEST)
    world.record(yard, 2, when="2026-03-01T10:00:00Z")
    world.record(yard, 3, when="2026-03-03T10:00:00Z")
    before = client.get(f"{BASE}/timeseries?bucket=month").get_json()["periods"]
    assert before[0]["period_start"] == "1970-01-01T00:00:00Z"

    world.remove(outlier["id"])
    periods = client.get(f"{BASE}/timeseries?bucket=day").get_json()["periods"]

    assert [(p["period_start"][:10], p["kg"]) for p in periods] == [
        ("2026-03-01", 2),
        ("2026-03-02", 0),
        ("2026-03-03", 3),
    ]


def test_a_quantity_stored_beyond_the_bounds_is_counted_but_left_out_of_the_figures(
    client, world, upstreams, document, caplog
):
    """Legacy data: written to the collections table behind the API's back,
    before the bounds existed. The feed carries it as it is."""
    yard = world.place()
    world.record(yard, 5, "Kg", "Glass")
    poisoned = [world.record(yard, 1, "Kg", "Glass")["id"] for _ in range(2)]
    engine = make_engine(upstreams.collections_db)
    with engine.begin() as connection:
        for collection_id in poisoned:
            connection.execute(
                text("UPDATE collections SET quantity = :huge WHERE id = :id"),
                {"huge": HUGE, "id": collection_id},
            )
    engine.dispose()

    found = answers(client, document)

    summary = found["/summary"]
    assert (summary["total_kg"], summary["collections"]) == (5, 3)
    assert summary["by_waste_type"]["Glass"]["share"] == 1.0
    assert [p["kg"] for p in found["/timeseries?bucket=day"]["periods"]] == [5]
    assert f"collection {poisoned[0]}" in caplog.text
