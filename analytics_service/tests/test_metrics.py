"""The analytics service's own metrics: the feed's head and the position
applied, when the replica last reached the head, and stale answers."""

import time

from prometheus_client.parser import text_string_to_metric_families

SUMMARY = "/api/v1/analytics/summary"
NOTHING_LISTENS = "http://127.0.0.1:1"


def value(client, name: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]
    return found[0] if found else 0.0


def test_a_query_that_catches_up_records_the_head_and_the_time(client, world):
    yard = world.place()
    for _ in range(3):
        world.record(yard)
    before = time.time()

    client.get(SUMMARY)

    assert value(client, "analytics_feed_applied_position") == 3
    assert value(client, "analytics_feed_head_position") == 3
    assert value(client, "analytics_feed_lag_positions") == 0
    assert value(client, "analytics_feed_caught_up_timestamp_seconds") >= before


def test_a_stale_answer_is_counted(client, world, app_with):
    stale = app_with(collections_url=NOTHING_LISTENS).test_client()
    before = value(client, "analytics_stale_answers_total")

    assert stale.get(SUMMARY).get_json()["stale"] is True

    assert value(client, "analytics_stale_answers_total") == before + 1
