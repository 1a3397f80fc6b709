"""/timeseries in a planner's time zone: its days, weeks and months, across
daylight-saving changes (Amsterdam, 2026: 29 March has 23 hours, 25 October
has 25), on PostgreSQL and on SQLite alike."""

import pytest

BASE = "/api/v1/analytics"
AMSTERDAM = "tz=Europe/Amsterdam"


def series(client, query: str) -> list[tuple[str, float, int]]:
    response = client.get(f"{BASE}/timeseries?{query}")
    assert response.status_code == 200, response.get_json()
    return [
        (row["period_start"], row["kg"], row["collections"]) for row in response.json["periods"]
    ]


@pytest.fixture
def around_the_changes(world):
    """Collections just inside and outside Amsterdam's days of the two changes."""
    yard = world.place()
    for quantity, when in [
        (1, "2026-03-28T23:30:00Z"),  # 00:30 on 29 March (+01:00)
        (2, "2026-03-29T21:59:00Z"),  # 23:59 on 29 March (+02:00)
        (4, "2026-03-29T22:00:00Z"),  # 00:00 on 30 March
        (8, "2026-10-24T22:00:00Z"),  # 00:00 on 25 October (+02:00)
        (16, "2026-10-25T22:59:00Z"),  # 23:59 on 25 October (+01:00)
        (32, "2026-10-25T23:00:00Z"),  # 00:00 on 26 October
    ]:
        world.record(yard, quantity, when=when)
    return yard


def test_a_23_hour_and_a_25_hour_day_are_each_one_amsterdam_day(client, around_the_changes):
    spring = series(
        client, f"bucket=day&{AMSTERDAM}&from=2026-03-28T23:00:00Z&to=2026-03-30T22:00:00Z"
    )
    autumn = series(
        client, f"bucket=day&{AMSTERDAM}&from=2026-10-24T22:00:00Z&to=2026-10-26T23:00:00Z"
    )

    assert spring == [
        ("2026-03-29T00:00:00+01:00", 3, 2),
        ("2026-03-30T00:00:00+02:00", 4, 1),
    ]
    assert autumn == [
        ("2026-10-25T00:00:00+02:00", 24, 2),
        ("2026-10-26T00:00:00+01:00", 32, 1),
    ]


def test_the_same_collections_fall_on_other_days_in_utc(client, around_the_changes):
    rows = series(client, "bucket=day&from=2026-03-28T00:00:00Z&to=2026-03-30T00:00:00Z")

    assert rows == [("2026-03-28T00:00:00Z", 1, 1), ("2026-03-29T00:00:00Z", 6, 2)]


def test_without_a_range_the_periods_span_the_data_s_own_local_days(client, around_the_changes):
    months = series(client, f"bucket=month&{AMSTERDAM}")

    assert [start for start, _, _ in months][:2] == [
        "2026-03-01T00:00:00+01:00",
        "2026-04-01T00:00:00+02:00",
    ]
    assert months[-1] == ("2026-10-01T00:00:00+02:00", 56, 3)
    assert sum(collections for _, _, collections in months) == 6
    assert len(months) == 8


def test_weeks_start_on_the_zone_s_monday(client, world):
    yard = world.place()
    world.record(yard, 5, when="2026-03-01T23:30:00Z")  # Monday 2 March, 00:30 in Amsterdam

    assert series(client, f"bucket=week&{AMSTERDAM}") == [("2026-03-02T00:00:00+01:00", 5, 1)]
    assert series(client, "bucket=week") == [("2026-02-23T00:00:00Z", 5, 1)]


def test_a_zone_half_an_hour_off_the_hour_is_exact(client, world):
    yard = world.place()
    world.record(yard, 1, when="2026-05-31T18:29:00Z")  # 23:59 on 31 May in Kolkata
    world.record(yard, 2, when="2026-05-31T18:30:00Z")  # 00:00 on 1 June

    assert series(client, "bucket=month&tz=Asia/Kolkata") == [
        ("2026-05-01T00:00:00+05:30", 1, 1),
        ("2026-06-01T00:00:00+05:30", 2, 1),
    ]


def test_the_answer_names_its_zone(client):
    assert client.get(f"{BASE}/timeseries?{AMSTERDAM}").json["tz"] == "Europe/Amsterdam"
    assert client.get(f"{BASE}/timeseries").json["tz"] == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "localtime", "utc"])
def test_an_unknown_zone_is_a_422_naming_tz(client, zone):
    response = client.get(f"{BASE}/timeseries?tz={zone}")

    assert response.status_code == 422
    assert "tz" in response.json["errors"]


def test_the_calendar_s_ends_are_answered_in_zones_far_from_utc(client, world):
    yard = world.place()
    world.record(yard, 1, when="2026-01-01T00:00:00Z")
    for zone in ("Pacific/Kiritimati", "Pacific/Niue"):
        for bucket in ("day", "month"):
            response = client.get(
                f"{BASE}/timeseries?bucket={bucket}&tz={zone}"
                "&from=9999-11-01T00:00:00Z&to=9999-12-31T23:59:59Z"
            )
            assert response.status_code == 200, (zone, bucket, response.get_json())
