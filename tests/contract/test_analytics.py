"""The analytics figures for data the suite wrote itself: kilograms from Kg,
Tons and litres (at the factors each answer names), by status, type, period,
place and zone; a write acknowledged before a query is in its answer."""

import time

import pytest

from tests.conftest import http

# Four collections at one place of the test's own (`recorded`).
RECORDS = [
    ("Paper", 100, "Kg", "2026-01-10T10:00:00Z", "Completed"),
    ("Glass", 2, "Tons", "2026-01-20T10:00:00Z", "Pending"),
    ("Paper", 100, "Liters", "2026-02-05T10:00:00Z", "Pending"),
    ("Electronic", 50, "Liters", "2026-02-06T10:00:00Z", "Completed"),
]


@pytest.fixture
def recorded(base, fresh_yard) -> dict:
    for waste_type, quantity, unit, date, status in RECORDS:
        body = {
            "location": fresh_yard["name"],
            "waste_type": waste_type,
            "quantity": quantity,
            "unit": unit,
            "collected_date": date,
            "status": status,
        }
        response = http.post(f"{base}/api/v1/collections", json=body, timeout=5)
        assert response.status_code == 201, response.text
    return fresh_yard


def analytics(base: str, report: str, **params) -> dict:
    response = http.get(f"{base}/api/v1/analytics/{report}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stale"] is False
    assert body["conversions"]["tons_to_kg"] == 1000
    assert body["conversions"]["source"]
    return body


def test_the_summary_counts_every_unit_at_its_factor(base, recorded):
    summary = analytics(base, "summary", location=recorded["name"])
    paper_litre = summary["conversions"]["kg_per_liter"]["Paper"]

    assert summary["collections"] == 4
    assert summary["total_kg"] == pytest.approx(100 + 2000 + 100 * paper_litre)
    assert summary["completion_rate"] == 0.5
    assert summary["by_status"]["Completed"] == {"kg": 100, "collections": 2}
    assert summary["by_status"]["Pending"]["collections"] == 2
    assert summary["unconverted_liters"] == {"Electronic": 50}
    paper = summary["by_waste_type"]["Paper"]
    assert paper["kg"] == pytest.approx(100 + 100 * paper_litre)
    assert paper["collections"] == 2
    assert paper["share"] == pytest.approx(paper["kg"] / summary["total_kg"], abs=1e-4)
    assert summary["conversions"]["kg_per_liter"].get("Electronic") is None


def test_the_monthly_timeseries_has_one_row_per_month_with_zeros_inside(base, recorded):
    series = analytics(
        base,
        "timeseries",
        bucket="month",
        location=recorded["name"],
        **{"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"},
    )
    paper_litre = series["conversions"]["kg_per_liter"]["Paper"]

    periods = series["periods"]
    assert [p["period_start"][:10] for p in periods] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert [p["collections"] for p in periods] == [2, 2, 0]
    assert periods[0]["kg"] == 2100
    assert periods[1]["kg"] == pytest.approx(100 * paper_litre)
    assert periods[2]["kg"] == 0


def test_a_timeseries_in_a_time_zone_has_that_zone_s_days(base, fresh_yard):
    # 00:30 on 29 March 2026 in Amsterdam, a 23-hour day; 23:30 on 28 March in UTC.
    body = {
        "location": fresh_yard["name"],
        "waste_type": "Glass",
        "quantity": 7,
        "unit": "Kg",
        "collected_date": "2026-03-28T23:30:00Z",
    }
    assert http.post(f"{base}/api/v1/collections", json=body, timeout=5).status_code == 201
    window = {"from": "2026-03-28T00:00:00Z", "to": "2026-03-31T00:00:00Z"}

    local = analytics(
        base,
        "timeseries",
        bucket="day",
        tz="Europe/Amsterdam",
        location=fresh_yard["name"],
        **window,
    )
    utc = analytics(base, "timeseries", bucket="day", location=fresh_yard["name"], **window)

    assert local["tz"] == "Europe/Amsterdam"
    assert [(p["period_start"], p["kg"]) for p in local["periods"]] == [
        ("2026-03-28T00:00:00+01:00", 0),
        ("2026-03-29T00:00:00+01:00", 7),
        ("2026-03-30T00:00:00+02:00", 0),
        ("2026-03-31T00:00:00+02:00", 0),
    ]
    assert [(p["period_start"], p["kg"]) for p in utc["periods"]] == [
        ("2026-03-28T00:00:00Z", 7),
        ("2026-03-29T00:00:00Z", 0),
        ("2026-03-30T00:00:00Z", 0),
    ]


def test_an_unknown_time_zone_is_a_422(base):
    response = http.get(
        f"{base}/api/v1/analytics/timeseries", params={"tz": "Mars/Base"}, timeout=5
    )

    assert response.status_code == 422
    assert "tz" in response.json()["errors"]


def test_the_places_report_names_the_place_with_its_zone_and_coordinates(base, recorded):
    places = analytics(base, "locations", location=recorded["name"])

    [place] = places["locations"]
    assert place["location"] == recorded["name"]
    assert (place["zone"], place["known"]) == (recorded["zone"], True)
    assert (place["latitude"], place["longitude"]) == (52.1, 4.3)
    assert place["collections"] == 4


def test_the_zones_report_groups_the_places_of_a_zone(base, recorded):
    # A zone analytics has not heard of makes it ask the locations service
    # again, at most every few seconds (README, "Analytics"): ask until then.
    deadline = time.monotonic() + 10
    while not (zones := analytics(base, "zones", zone=recorded["zone"]))["zones"]:
        assert time.monotonic() < deadline, "the new zone never appeared"
        time.sleep(0.5)

    [zone] = zones["zones"]
    assert (zone["zone"], zone["locations"], zone["collections"]) == (recorded["zone"], 1, 4)


def test_a_filter_by_status_and_type_narrows_every_figure(base, recorded):
    summary = analytics(
        base, "summary", location=recorded["name"], status="Completed", waste_type="Paper"
    )

    assert (summary["collections"], summary["total_kg"]) == (1, 100)
