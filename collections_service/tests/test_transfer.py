"""Bulk import (JSON array or CSV, all or nothing) and the CSV export."""

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from collections_service.models import Collection, Status
from collections_service.tests.conftest import QUOTED_PLACE
from collections_service.tests.factories import URL, create, payload, stored
from collections_service.tests.test_locations_check import lookups_logged

IMPORT = f"{URL}/import"
FIELDS = ("location", "waste_type", "quantity", "unit", "collected_date", "status")


def post_csv(client, text: str, encoding: str = "utf-8", **kwargs):
    return client.post(IMPORT, data=text.encode(encoding), content_type="text/csv", **kwargs)


def export(client, query: str = "") -> list[dict]:
    response = client.get(f"{URL}{query}", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def as_fields(row: Collection) -> tuple:
    return tuple(getattr(row, name) for name in FIELDS)


def test_a_json_array_is_stored_whole_with_its_ids(client, db):
    rows = [payload(quantity=n + 1, location=("A", "B")[n % 2]) for n in range(5)]

    response = client.post(IMPORT, json=rows)

    assert response.status_code == 201
    body = response.get_json()
    saved = stored(db)
    assert body == {"count": 5, "id_ranges": [[saved[0].id, saved[-1].id]]}
    assert [(row.location, row.quantity) for row in saved] == [
        (row["location"], row["quantity"]) for row in rows
    ]


def test_a_large_import_is_stored_exactly_cell_by_cell(client, db):
    """More rows than the COPY takes in one chunk, with cells CSV must quote."""
    places = ("A", QUOTED_PLACE, "Depot North")
    rows = [
        payload(
            location=places[n % 3],
            quantity=(n + 1) / 7,
            unit=("Kg", "Tons", "Liters")[n % 3],
            collected_date=datetime(2026, 1, n % 28 + 1, 10, n % 60, 0, n, tzinfo=UTC),
            status=("Pending", "Completed")[n % 2],
        )
        for n in range(1234)
    ]

    body = [row | {"collected_date": row["collected_date"].isoformat()} for row in rows]
    assert client.post(IMPORT, json=body).status_code == 201

    saved = stored(db)
    assert len(saved) == len(rows)
    for row, sent in zip(saved, rows, strict=True):
        assert (row.location, row.quantity, row.unit.value, row.status.value) == (
            sent["location"],
            sent["quantity"],
            sent["unit"],
            sent["status"],
        )
        assert row.collected_date == sent["collected_date"]


def test_csv_with_bom_crlf_quotes_and_an_exported_id_column_is_stored(client, db):
    text = (
        "\ufeffid,location,waste_type,quantity,unit,collected_date,status\r\n"
        '17,"Depot North",Glass,2.5,Kg,2026-01-01T00:00:00+01:00,\r\n'
        ",C,Paper,1e3,Liters,2026-01-02T00:00:00Z,Completed\r\n"
    )

    response = post_csv(client, text)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["count"] == 2
    first, second = stored(db)
    assert (first.location, first.quantity, first.status) == ("Depot North", 2.5, Status.PENDING)
    assert first.collected_date.isoformat() == "2025-12-31T23:00:00+00:00"
    assert (second.quantity, second.status) == (1000.0, Status.COMPLETED)
    assert first.id != 17


def test_one_bad_row_in_the_middle_stores_nothing_and_is_named(client, db):
    rows = [payload(), payload(), payload(quantity=0, waste_type="organic"), payload()]

    response = client.post(IMPORT, json=rows)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error_count"] == 1
    [row] = body["rows"]
    assert row["row"] == 3
    assert set(row["errors"]) == {"quantity", "waste_type"}
    assert stored(db) == []


def test_every_bad_row_is_counted_and_the_first_hundred_listed(client, db):
    rows = [payload(quantity=-n) for n in range(1, 151)]

    body = client.post(IMPORT, json=rows).get_json()

    assert body["error_count"] == 150
    assert [row["row"] for row in body["rows"]] == list(range(1, 101))


def test_a_row_at_an_unknown_location_stores_nothing(client, db):
    rows = [payload(), payload(location="Nowhere Yard"), payload()]

    body = client.post(IMPORT, json=rows).get_json()

    assert body["rows"] == [
        {"row": 2, "errors": {"location": ["No active location is named 'Nowhere Yard'."]}}
    ]
    assert stored(db) == []


def test_location_names_are_checked_once_per_distinct_name(client, db, locations_server):
    names = [f"Bulk Yard {uuid.uuid4().hex[:8]}" for _ in range(3)]
    for name in names:
        locations_server.add(name)
    request_id = f"bulk-{uuid.uuid4().hex[:8]}"
    rows = [payload(location=names[n % 3]) for n in range(300)]

    response = client.post(IMPORT, json=rows, headers={"X-Request-ID": request_id})

    assert response.status_code == 201
    assert len(lookups_logged(locations_server, request_id)) == 1


def test_more_than_10000_rows_is_a_422(client, db):
    response = client.post(IMPORT, json=[payload()] * 10_001)

    assert response.status_code == 422
    assert "10000" in response.get_json()["detail"]
    assert response.content_type == "application/problem+json"
    assert stored(db) == []


@pytest.mark.parametrize("body", [{}, [], "rows", [1, 2]])
def test_a_body_that_is_not_an_array_of_objects_is_422(client, db, body):
    assert client.post(IMPORT, json=body).status_code == 422


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("location,colour\r\nA,red\r\n", 422),
        ("location,location\r\nA,A\r\n", 422),
        ('location,waste_type\r\n"A,Glass\r\n', 400),
    ],
)
def test_a_csv_that_cannot_be_read_or_names_unknown_columns_is_refused(client, db, text, status):
    assert post_csv(client, text).status_code == status
    assert stored(db) == []


def test_a_csv_row_with_the_wrong_number_of_cells_is_named(client, db):
    text = "location,waste_type,quantity,unit,collected_date\r\nA,Glass,1,Kg\r\n"

    body = post_csv(client, text).get_json()

    assert body["rows"][0]["row"] == 1
    assert "row" in body["rows"][0]["errors"]


def test_a_csv_that_is_not_utf8_is_a_400(client, db):
    text = "location,waste_type,quantity,unit,collected_date\r\n"
    text += "Dépôt,Glass,1,Kg,2026-01-01T00:00:00Z\r\n"

    assert post_csv(client, text, encoding="latin-1").status_code == 400


def test_the_import_takes_csv_and_json_only(client, db):
    response = client.post(IMPORT, data="<rows/>", content_type="application/xml")

    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    detail = response.get_json()["detail"]
    assert "application/json" in detail and "text/csv" in detail


def test_the_csv_export_applies_the_filters_and_order(client, db):
    made = [create(client, location=name) for name in ("A", "B", "A")]

    rows = export(client, "?location=A&sort=-id")

    assert [int(row["id"]) for row in rows] == [made[2]["id"], made[0]["id"]]
    assert list(rows[0]) == ["id", *FIELDS]
    assert rows[0]["collected_date"] == "2026-03-01T08:30:00Z"


def test_the_csv_export_is_not_paged_unless_limited(client, db):
    client.post(IMPORT, json=[payload()] * 150)

    assert len(export(client)) == 150
    assert len(export(client, "?limit=20")) == 20
    response = client.get(f"{URL}?cursor=abc", headers={"Accept": "text/csv"})
    assert response.status_code == 422


@pytest.mark.parametrize("name", ["=SUM(A1:A9)", "+cmd", "-2+3", "@import", "\tTabbed", "'quoted"])
def test_formula_like_cells_are_neutralised_and_import_back_unchanged(
    client, db, locations_server, name
):
    name = f"{name} {uuid.uuid4().hex[:4]}"
    locations_server.add(name)
    create(client, location=name)

    text = client.get(URL, headers={"Accept": "text/csv"}).get_data(as_text=True)
    [cell] = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    reimported = post_csv(client, text)

    assert cell == "'" + name
    assert reimported.status_code == 201
    assert [row.location for row in stored(db)] == [name, name]


def test_an_export_imports_back_to_the_same_data(client, db):
    rows = [
        payload(
            location=loc, waste_type=kind, quantity=q, unit=unit, status=status, collected_date=when
        )
        for loc, kind, q, unit, status, when in [
            ("A", "Organic", 0.001, "Kg", "Pending", "2026-01-01T00:00:00Z"),
            ("B", "Electronic", 123.456789, "Tons", "Completed", "2026-02-03T04:05:06.789Z"),
            ("C", "Glass", 1e-7, "Liters", "Pending", "2025-12-31T23:59:59.000001Z"),
        ]
    ]
    assert client.post(IMPORT, json=rows).status_code == 201
    before = [as_fields(row) for row in stored(db)]

    exported = client.get(URL, headers={"Accept": "text/csv"}).get_data(as_text=True)
    db.execute(delete(Collection))
    db.commit()
    response = post_csv(client, exported)

    assert response.status_code == 201
    assert [as_fields(row) for row in stored(db)] == before
