"""/timeseries, /locations and /zones on small fixtures computed by hand."""

import pytest
from sqlalchemy import text

from service_kit.data.db import make_engine

BASE = "/api/v1/analytics"


def get(client, path: str) -> dict:
    response = client.get(f"{BASE}{path}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def series(client, query: str) -> list[tuple[str, float, int]]:
    body = get(client, f"/timeseries{query}")
    return [(row["period_start"][:10], row["kg"], row["collections"]) for row in body["periods"]]


@pytest.fixture
def spread(world):
    """Sun 1 Mar, Mon 2 Mar, Tue 31 Mar and Wed 15 Apr 2026 (UTC), one each."""
    yard = world.place()
    for quantity, when in [
        (1, "2026-03-01T23:00:00Z"),
        (2, "2026-03-02T00:30:00Z"),
        (4, "2026-03-31T10:00:00Z"),
        (8, "2026-04-15T10:00:00Z"),
    ]:
        world.record(yard, quantity, when=when)
    return yard


def test_days_within_the_range_empty_ones_as_zeros(client, spread):
    rows = series(client, "?bucket=day&from=2026-02-28T00:00:00Z&to=2026-03-04T00:00:00Z")

    assert rows == [
        ("2026-02-28", 0, 0),
        ("2026-03-01", 1, 1),
        ("2026-03-02", 2, 1),
        ("2026-03-03", 0, 0),
    ]


def test_weeks_start_on_monday(client, spread):
    rows = series(client, "?bucket=week&from=2026-02-23T00:00:00Z&to=2026-03-09T00:00:00Z")

    assert rows == [("2026-02-23", 1, 1), ("2026-03-02", 2, 1)]


def test_months_over_the_data_s_span_when_no_range_is_given(client, spread):
    assert series(client, "?bucket=month") == [("2026-03-01", 7, 3), ("2026-04-01", 8, 1)]


def test_a_range_starting_inside_a_period_starts_that_period(client, spread):
    rows = series(client, "?bucket=month&from=2026-03-02T00:00:00Z&to=2026-05-01T00:00:00Z")

    assert rows == [("2026-03-01", 6, 2), ("2026-04-01", 8, 1)]


def test_per_waste_type_on_request(client, world):
    yard = world.place()
    world.record(yard, 3, waste_type="Glass")
    world.record(yard, 20, "Liters", waste_type="Electronic")

    [row] = get(client, "/timeseries?bucket=month&by_waste_type=true")["periods"]

    assert row["by_waste_type"]["Glass"] == {"kg": 3, "collections": 1}
    assert row["by_waste_type"]["Electronic"] == {"kg": 0, "collections": 1}
    assert row["unconverted_liters"] == {"Electronic": 20}
    assert "by_waste_type" not in get(client, "/timeseries")["periods"][0]


def test_locations_are_enriched_sorted_and_limited(client, world):
    north = world.place(zone="North", latitude=52.0, longitude=4.0, location_type="DropOff")
    south = world.place(zone="South")
    world.record(north, 5)
    world.record(south, 2)
    world.record(south, 2)

    body = get(client, "/locations")
    top = get(client, "/locations?sort=-collections&limit=1")["locations"]

    assert [(p["location"], p["kg"], p["collections"]) for p in body["locations"]] == [
        (north, 5, 1),
        (south, 4, 2),
    ]
    first = body["locations"][0]
    expected = {
        "zone": "North",
        "location_type": "DropOff",
        "latitude": 52.0,
        "longitude": 4.0,
        "known": True,
    }
    assert {key: first[key] for key in expected} == expected
    assert [p["location"] for p in top] == [south]
    assert body["unknown_locations"] == []


def test_zones_add_up_their_places(client, world):
    a, b, c = world.place(zone="North"), world.place(zone="North"), world.place(zone=None)
    for place, kg in [(a, 1), (b, 2), (c, 4)]:
        world.record(place, kg)

    zones = get(client, "/zones")["zones"]

    assert [(z["zone"], z["kg"], z["collections"], z["locations"]) for z in zones] == [
        ("North", 3, 2, 2),
        (None, 4, 1, 1),
    ]


def test_collections_at_places_the_locations_service_does_not_know_are_reported(
    client, world, upstreams
):
    known = world.place()
    ghost = world.place()
    world.record(known, 1)
    world.record(ghost, 2)
    rename_location(upstreams, ghost, "Renamed in the database")

    locations = get(client, "/locations")
    zones = get(client, "/zones")

    assert locations["unknown_locations"] == [ghost]
    [row] = [p for p in locations["locations"] if p["location"] == ghost]
    assert (row["known"], row["zone"], row["kg"]) == (False, None, 2)
    assert zones["unknown_locations"] == [ghost]
    assert get(client, "/summary")["total_kg"] == 3


def rename_location(upstreams, old: str, new: str) -> None:
    """Make a place unknown as legacy data would be: changed behind the API's back."""
    engine = make_engine(upstreams.locations_db)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE locations SET name = :new WHERE name = :old"), {"new": new, "old": old}
        )
    engine.dispose()


def test_a_range_at_the_end_of_the_calendar_is_answered(client):
    for bucket in ("day", "week", "month"):
        response = client.get(
            f"{BASE}/timeseries?bucket={bucket}&from=9999-11-01T00:00:00Z&to=9999-12-31T23:59:59Z"
        )
        assert response.status_code == 200, bucket
