"""/summary on small fixtures computed by hand."""

import pytest

SUMMARY = "/api/v1/analytics/summary"


def summary(client, query: str = "") -> dict:
    response = client.get(f"{SUMMARY}{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_unit_in_kilograms_and_litres_without_a_factor_left_as_litres(client, world):
    yard = world.place()
    world.record(yard, 10, "Kg", "Plastic", status="Completed")
    world.record(yard, 0.5, "Tons", "Metal")
    world.record(yard, 100, "Liters", "Organic")  # x 0.2349
    world.record(yard, 10, "Liters", "Electronic")  # no factor

    body = summary(client)

    assert body["total_kg"] == pytest.approx(10 + 500 + 23.49)
    assert body["collections"] == 4
    assert body["unconverted_liters"] == {"Electronic": 10}
    assert body["by_waste_type"]["Metal"] == {
        "kg": 500,
        "collections": 1,
        "share": pytest.approx(500 / 533.49, abs=1e-6),
    }
    assert body["by_waste_type"]["Electronic"] == {"kg": 0, "collections": 1, "share": 0}
    assert body["by_waste_type"]["Glass"] == {"kg": 0, "collections": 0, "share": 0}
    assert body["by_status"] == {
        "Completed": {"kg": 10, "collections": 1},
        "Pending": {"kg": pytest.approx(523.49), "collections": 3},
    }
    assert body["completion_rate"] == 0.25
    assert body["stale"] is False
    assert body["data_as_of"].endswith("Z")
    assert body["conversions"]["kg_per_liter"]["Organic"] == 0.2349
    assert body["conversions"]["kg_per_liter"]["Electronic"] is None
    assert "EPA" in body["conversions"]["source"]


def test_nothing_recorded_is_zeros_and_no_rate(client):
    body = summary(client)

    assert (body["total_kg"], body["collections"], body["completion_rate"]) == (0, 0, None)
    assert body["by_waste_type"]["Paper"]["share"] is None


@pytest.mark.parametrize(
    ("query", "kg"),
    [
        ("?from=2026-03-02T00:00:00Z", 2 + 4 + 8),
        ("?to=2026-03-02T00:00:00Z", 1),
        ("?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z", 2 + 4),
        ("?from=2026-03-02T12:00:00Z&to=2026-03-03T00:00:00Z", 4),  # inside a day: the facts
        ("?from=2026-03-02T11:59:59.999999Z&to=2026-03-02T12:00:00Z", 0),
        ("?from=2026-03-02T13:00:00%2B01:00&to=2026-03-03T00:00:00Z", 4),
        ("?to=2026-03-03T00:00:00.000001Z", 1 + 2 + 4 + 8),
    ],
)
def test_time_ranges_are_half_open_in_utc(client, world, query, kg):
    yard = world.place()
    for quantity, when in [
        (1, "2026-03-01T23:59:59Z"),
        (2, "2026-03-02T00:00:00Z"),
        (4, "2026-03-02T12:00:00Z"),
        (8, "2026-03-03T00:00:00Z"),
    ]:
        world.record(yard, quantity, when=when)

    assert summary(client, query)["total_kg"] == kg


def test_filters_by_location_zone_waste_type_and_status(client, world):
    north, south = world.place(zone="North"), world.place(zone="South")
    other_north = world.place(zone="North")
    world.record(north, 1, waste_type="Glass", status="Completed")
    world.record(south, 2, waste_type="Glass")
    world.record(other_north, 4, waste_type="Paper")
    world.record(south, 8, waste_type="Paper", status="Completed")

    assert summary(client, f"?location={north}")["total_kg"] == 1
    assert summary(client, f"?location={north}&location={south}")["total_kg"] == 11
    assert summary(client, "?zone=North")["total_kg"] == 5
    assert summary(client, "?zone=North&zone=South")["total_kg"] == 15
    assert summary(client, f"?zone=South&location={north}")["total_kg"] == 0
    assert summary(client, "?zone=Nowhere")["total_kg"] == 0
    assert summary(client, "?waste_type=Paper")["total_kg"] == 12
    assert summary(client, "?status=Completed")["total_kg"] == 9
    assert summary(client, "?status=Completed&waste_type=Glass&zone=North")["total_kg"] == 1


def test_updates_and_deletes_show_in_the_figures(client, world):
    yard = world.place()
    kept = world.record(yard, 10)
    moved = world.record(yard, 5, waste_type="Glass")
    gone = world.record(yard, 7)
    assert summary(client)["total_kg"] == 22

    world.change(kept["id"], quantity=1, unit="Tons", status="Completed")
    world.change(moved["id"], waste_type="Paper")
    world.remove(gone["id"])

    body = summary(client)
    assert body["total_kg"] == 1005
    assert body["collections"] == 2
    assert body["by_waste_type"]["Glass"]["kg"] == 0
    assert body["by_waste_type"]["Paper"]["kg"] == 5
    assert body["by_status"]["Completed"] == {"kg": 1000, "collections": 1}


def test_operator_factors_replace_the_defaults_and_are_named(app_with, world):
    yard = world.place()
    world.record(yard, 100, "Liters", "Organic")
    world.record(yard, 100, "Liters", "Electronic")
    factors = {"Organic": 0.5, "Electronic": 0.1}
    client = app_with(kg_per_liter=factors, factors_source="weighbridge 2026").test_client()

    body = summary(client)

    assert body["total_kg"] == 60
    assert body["unconverted_liters"] == {}
    assert body["conversions"]["source"] == "weighbridge 2026"
    assert body["conversions"]["kg_per_liter"]["Plastic"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=yesterday", "from"),
        ("?waste_type=organic", "waste_type"),
        ("?status=Done", "status"),
        ("?colour=red", "colour"),
        ("?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"),
    ],
)
def test_bad_filters_are_422_naming_them(client, query, field):
    response = client.get(f"{SUMMARY}{query}")

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
