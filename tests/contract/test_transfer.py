"""Bulk import (a JSON array or CSV, all or nothing) and the CSV export."""

import csv
import io

from tests.conftest import http
from tests.contract.test_collections import assert_problem

FIELDS = ["id", "location", "waste_type", "quantity", "unit", "collected_date", "status"]


def row(location: str, **fields) -> dict:
    return {
        "location": location,
        "waste_type": "Paper",
        "quantity": 3.5,
        "unit": "Kg",
        "collected_date": "2026-04-01T07:00:00Z",
    } | fields


def exported(base: str, location: str) -> list[dict]:
    response = http.get(
        f"{base}/api/v1/collections",
        params={"location": location},
        headers={"Accept": "text/csv"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_json_import_stores_every_row_and_answers_their_ids(base, fresh_yard):
    place = fresh_yard["name"]
    rows = [row(place, quantity=n + 1) for n in range(3)]

    response = http.post(f"{base}/api/v1/collections/import", json=rows, timeout=10)

    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 3
    ids = [i for first, last in body["id_ranges"] for i in range(first, last + 1)]
    assert len(ids) == 3
    saved = {int(r["id"]): float(r["quantity"]) for r in exported(base, place)}
    assert saved == dict(zip(ids, (1.0, 2.0, 3.0), strict=True))


def test_a_csv_import_round_trips_through_the_csv_export(base, fresh_yard):
    place = fresh_yard["name"]
    text = (
        "location,waste_type,quantity,unit,collected_date,status\r\n"
        f"{place},Glass,2,Tons,2026-04-02T08:00:00+02:00,Completed\r\n"
        f"{place},Organic,40,Liters,2026-04-03T09:00:00Z,\r\n"
    )

    response = http.post(
        f"{base}/api/v1/collections/import",
        data=text.encode(),
        headers={"Content-Type": "text/csv"},
        timeout=10,
    )

    assert response.status_code == 201 and response.json()["count"] == 2
    rows = exported(base, place)
    assert list(rows[0]) == FIELDS
    got = [(r["waste_type"], float(r["quantity"]), r["unit"], r["status"]) for r in rows]
    assert sorted(got) == [
        ("Glass", 2.0, "Tons", "Completed"),
        ("Organic", 40.0, "Liters", "Pending"),
    ]
    assert {r["collected_date"] for r in rows} == {"2026-04-02T06:00:00Z", "2026-04-03T09:00:00Z"}


def test_an_import_with_a_bad_row_stores_nothing_and_names_the_row(base, fresh_yard):
    place = fresh_yard["name"]
    rows = [row(place), row(place, quantity=-1), row(place, unit="Barrels")]

    response = http.post(f"{base}/api/v1/collections/import", json=rows, timeout=10)

    problem = response.json()
    assert response.status_code == 422
    assert problem["error_count"] == 2
    assert [r["row"] for r in problem["rows"]] == [2, 3]
    assert exported(base, place) == []


def test_an_import_of_another_type_is_a_415_naming_both_accepted(base, yard):
    response = http.post(
        f"{base}/api/v1/collections/import",
        data="<rows/>",
        headers={"Content-Type": "application/xml"},
        timeout=5,
    )

    assert_problem(response, 415)
    assert "application/json" in response.text and "text/csv" in response.text


def test_a_json_only_route_asked_for_csv_is_a_406(base, yard):
    response = http.get(
        f"{base}/api/v1/analytics/summary", headers={"Accept": "text/csv"}, timeout=5
    )

    assert_problem(response, 406)
