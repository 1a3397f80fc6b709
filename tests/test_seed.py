"""`make seed` loads realistic demo data through the public API."""

import random
from datetime import UTC, datetime, timedelta

from deploy import seed
from tests.conftest import http


def test_seed_loads_locations_across_zones_and_a_year_of_collections(public):
    seed.seed(public, location_count=8, collection_count=60, seed_value=7, token=http.token)

    names = {place["name"] for place in seed.locations(random.Random(7), 8)}
    query = [("name", name) for name in names] + [("limit", "1000")]
    seeded = http.get(f"{public}/api/v1/locations", params=query, timeout=5).json()
    assert len(seeded) == 8
    assert len({place["zone"] for place in seeded}) >= 3
    params = [("location", name) for name in names] + [("limit", "1000")]
    made = http.get(f"{public}/api/v1/collections", params=params, timeout=5).json()
    assert len(made) == 60
    now = datetime.now(UTC)
    for row in made:
        when = datetime.fromisoformat(row["collected_date"].replace("Z", "+00:00"))
        assert now - timedelta(days=366) <= when <= now


def test_the_same_seed_makes_the_same_data():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = seed.collections(random.Random(1), ["A", "B"], 20, now)
    again = seed.collections(random.Random(1), ["A", "B"], 20, now)

    assert first == again
    assert {row["unit"] for row in first} <= {"Kg", "Tons", "Liters"}
    assert all(row["quantity"] > 0 for row in first)
