"""The gateway compresses JSON and CSV answers over 1 KiB for clients that
accept gzip, and leaves the rest alone."""

import csv
import gzip
import io

import requests

from tests.conftest import http

COLLECTIONS = "/api/v1/collections"


def raw(url: str, encoding: str | None, **headers) -> requests.Response:
    """A GET whose body is kept as sent (requests would inflate it)."""
    sent = {"Accept-Encoding": encoding} if encoding else {"Accept-Encoding": "identity"}
    response = http.get(url, headers=sent | headers, stream=True, timeout=10)
    response.sent = response.raw.read(decode_content=False)
    return response


def some_collections(public: str, location: str, count: int) -> None:
    rows = [
        {
            "location": location,
            "waste_type": "Paper",
            "quantity": n + 1,
            "unit": "Kg",
            "collected_date": "2026-05-04T06:00:00Z",
        }
        for n in range(count)
    ]
    assert http.post(f"{public}{COLLECTIONS}/import", json=rows, timeout=10).status_code == 201


def test_a_json_list_over_1_kib_is_gzipped_when_accepted(public, fresh_location):
    some_collections(public, fresh_location, 30)
    url = f"{public}{COLLECTIONS}?location={fresh_location}&limit=30"

    zipped = raw(url, "gzip")
    plain = raw(url, None)

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(plain.sent) > 1024
    assert gzip.decompress(zipped.sent) == plain.sent
    assert len(zipped.sent) < len(plain.sent) / 3
    assert "Content-Encoding" not in plain.headers


def test_a_csv_export_is_gzipped_when_accepted(public, fresh_location):
    some_collections(public, fresh_location, 40)
    url = f"{public}{COLLECTIONS}?location={fresh_location}"

    zipped = raw(url, "gzip, deflate", Accept="text/csv")

    assert zipped.headers["Content-Encoding"] == "gzip"
    exported = list(csv.DictReader(io.StringIO(gzip.decompress(zipped.sent).decode())))
    assert len(exported) == 40


def test_a_small_answer_is_sent_as_is(public, fresh_location):
    some_collections(public, fresh_location, 1)

    small = raw(f"{public}{COLLECTIONS}?location={fresh_location}", "gzip")

    assert "Content-Encoding" not in small.headers
    assert small.sent.count(b'"id"') == 1
