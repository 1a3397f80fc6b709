"""The collections service's business counters: collections recorded (by
create or import), quantities by waste type and unit, rows imported."""

from prometheus_client.parser import text_string_to_metric_families

from collections_service.tests.factories import URL, payload


def value(client, name: str, **labels) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_creates_and_imports_are_counted_with_their_quantities(client, db):
    glass = {"waste_type": "Glass", "unit": "Tons"}
    before = (
        value(client, "collections_recorded_total", via="create"),
        value(client, "collections_recorded_total", via="import"),
        value(client, "collections_quantity_total", **glass),
        value(client, "collections_import_rows_total"),
    )

    client.post(URL, json=payload(waste_type="Glass", unit="Tons", quantity=2))
    client.post(f"{URL}/import", json=[payload(waste_type="Glass", unit="Tons", quantity=3)] * 2)
    client.post(URL, json=payload(quantity=-1))  # refused: not counted

    after = (
        value(client, "collections_recorded_total", via="create"),
        value(client, "collections_recorded_total", via="import"),
        value(client, "collections_quantity_total", **glass),
        value(client, "collections_import_rows_total"),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 2, 8, 2]


def test_a_call_to_the_locations_service_is_counted_by_outcome(client, db):
    before = value(client, "outbound_requests_total", dependency="locations", outcome="ok")

    client.post(URL, json=payload(location=f"Never Seen {id(client)}"))

    after = value(client, "outbound_requests_total", dependency="locations", outcome="ok")
    assert after == before + 1


def test_each_scrape_says_whether_the_service_is_ready(client, db, app_with):
    unreachable = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=1"
    broken = app_with(database_url=unreachable).test_client()

    assert value(client, "service_ready") == 1
    assert value(broken, "service_ready") == 0
