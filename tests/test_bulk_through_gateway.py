"""Bulk import and CSV export through the gateway: its own body limit, streaming."""

import csv
import io
import json

from tests.conftest import http
from tests.test_gateway import assert_gateway_problem

IMPORT = "/api/v1/collections/import"


def row(location: str = "Depot North", **fields) -> dict:
    body = {
        "location": location,
        "waste_type": "Metal",
        "quantity": 4.5,
        "unit": "Kg",
        "collected_date": "2026-08-01T10:00:00Z",
    }
    return body | fields


def test_a_10000_row_import_of_several_mib_passes_the_gateway(public):
    rows = [row(quantity=n + 0.5, location="Depot North") for n in range(10_000)]
    body = json.dumps(rows)
    assert len(body) > 1024 * 1024  # over every other route's limit

    response = http.post(
        f"{public}{IMPORT}", data=body, headers={"Content-Type": "application/json"}, timeout=60
    )

    assert response.status_code == 201, response.text[:500]
    result = response.json()
    assert result["count"] == 10_000
    assert sum(last - first + 1 for first, last in result["id_ranges"]) == 10_000


def test_an_import_over_16_mib_gets_the_gateway_s_413_problem(public):
    oversized = "[" + ",".join([json.dumps(row())] * 140_000) + "]"
    assert len(oversized) > 16 * 1024 * 1024

    response = http.post(
        f"{public}{IMPORT}",
        data=oversized,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )

    assert_gateway_problem(response, 413)


def test_the_csv_export_streams_through_the_gateway(public):
    http.post(f"{public}{IMPORT}", json=[row(location="Contract Yard")] * 50, timeout=30)

    response = http.get(
        f"{public}/api/v1/collections",
        params={"location": "Contract Yard"},
        headers={"Accept": "text/csv"},
        timeout=30,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) >= 50
    assert {r["location"] for r in rows} == {"Contract Yard"}
