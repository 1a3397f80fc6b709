"""Analytics through the gateway: read-your-writes, and each dependency stopped."""

from deploy import local, wait
from tests.conftest import http, rows, stopped

SUMMARY = "/api/v1/analytics/summary"
SUMMARY_KEYS = {
    "total_kg",
    "collections",
    "by_status",
    "completion_rate",
    "by_waste_type",
    "unconverted_liters",
    "conversions",
    "data_as_of",
    "stale",
}
HEAD = "SELECT position FROM feed_counter WHERE id = 1"
CURSOR = "SELECT position FROM feed_cursor WHERE id = 1"
FACTS = "SELECT count(*) FROM facts WHERE location = :location"


def record(public: str, location: str, quantity: float, unit: str = "Kg") -> None:
    body = {
        "location": location,
        "waste_type": "Paper",
        "quantity": quantity,
        "unit": unit,
        "collected_date": "2026-09-09T09:00:00Z",
    }
    assert http.post(f"{public}/api/v1/collections", json=body, timeout=5).status_code == 201


def summary_at(public: str, location: str) -> dict:
    response = http.get(f"{public}{SUMMARY}", params={"location": location}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_write_acknowledged_through_the_gateway_is_in_the_next_answer(public, fresh_location):
    for n in range(1, 6):
        record(public, fresh_location, 2)
        body = summary_at(public, fresh_location)
        assert (body["collections"], body["total_kg"]) == (n, 2 * n)
        assert set(body) == SUMMARY_KEYS
        assert body["stale"] is False


def test_with_collections_stopped_it_answers_from_its_replica_marked_stale(
    system, public, fresh_location
):
    record(public, fresh_location, 1, "Tons")
    before = summary_at(public, fresh_location)

    with stopped(system, local.live_program(system, "collections")):
        during = summary_at(public, fresh_location)

    assert (during["stale"], during["total_kg"]) == (True, 1000)
    assert during["data_as_of"] == before["data_as_of"]
    assert summary_at(public, fresh_location)["stale"] is False


def test_with_locations_stopped_it_uses_its_copy_of_the_places(system, public, fresh_location):
    record(public, fresh_location, 3)
    http.get(f"{public}/api/v1/analytics/zones", timeout=10)  # the copy is fresh

    with stopped(system, local.live_program(system, "locations")):
        response = http.get(f"{public}/api/v1/analytics/locations", timeout=10)

    assert response.status_code == 200
    [row] = [p for p in response.json()["locations"] if p["location"] == fresh_location]
    assert (row["known"], row["zone"], row["kg"]) == (True, "North", 3)


def test_the_worker_applies_the_feed_with_no_query_asking(system, public, fresh_location):
    """The follower thread of the analytics worker (gunicorn.conf.py) keeps the
    replica current on its own: the cursor reaches the new write while nobody
    asks analytics anything."""
    record(public, fresh_location, 3)
    [(head,)] = rows(system, "collections", HEAD)

    wait.until(
        lambda: rows(system, "analytics", CURSOR)[0][0] >= head,
        10,
        f"the analytics cursor did not reach {head}",
        every=0.1,
    )
    [(kept,)] = rows(system, "analytics", FACTS, location=fresh_location)
    assert kept == 1
