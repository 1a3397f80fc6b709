"""Answers kept while they are right: the same question at the same position
of the replica is answered again without a query; a write, a new copy of
the places, a stale answer or a long one are never served from the kept."""

import time
from contextlib import contextmanager

from sqlalchemy import event

from analytics_service.tests.test_freshness import NOTHING_LISTENS, SUMMARY

ZONES = "/api/v1/analytics/zones"


@contextmanager
def statements(app):
    """The report statements the app runs meanwhile (its autocommit engine)."""
    run: list[str] = []
    engine = app.extensions["db"].autocommit_engine

    def seen(_conn, _cursor, statement, *_):
        run.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield run
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_the_same_question_at_the_same_position_runs_no_query(client, app, world):
    yard = world.place()
    world.record(yard, 4)
    first = client.get(SUMMARY).get_json()

    with statements(app) as run:
        again = client.get(SUMMARY).get_json()
        other = client.get(f"{SUMMARY}?waste_type=Glass").get_json()

    assert again == first
    assert again["total_kg"] == 4
    assert other["total_kg"] == 0
    assert len(run) == 1  # the other question's


def test_a_write_makes_the_next_answer_afresh(client, world):
    yard = world.place()
    world.record(yard, 4)
    client.get(SUMMARY)
    client.get(SUMMARY)

    world.record(yard, 6)

    assert client.get(SUMMARY).get_json()["total_kg"] == 10


def test_a_new_copy_of_the_places_makes_the_zones_afresh(app_with, world, upstreams):
    client = app_with(locations_refresh=60.0).test_client()
    yard = world.place(zone="Harbour")
    world.record(yard, 3)
    before = client.get(ZONES).get_json()["zones"]

    moved = world.http.patch(
        f"{upstreams.locations}/api/v1/locations/{_id(world, yard)}", json={"zone": "Docks"}
    )
    assert moved.status_code == 200
    time.sleep(2.1)  # a zone never heard of refreshes the copy, at most every 2 s
    client.get(f"{SUMMARY}?zone=Docks")
    after = client.get(ZONES).get_json()["zones"]

    assert [z["zone"] for z in before] == ["Harbour"]
    assert [z["zone"] for z in after] == ["Docks"]


def _id(world, name: str) -> int:
    found = world.http.get(f"{world.upstreams.locations}/api/v1/locations?name={name}").json()
    return found[0]["id"]


def test_a_stale_answer_is_never_kept(app_with, world):
    yard = world.place()
    world.record(yard, 2)
    offline = app_with(collections_url=NOTHING_LISTENS, catch_up_budget=0.5)
    client = offline.test_client()

    first = client.get(SUMMARY).get_json()
    with statements(offline) as run:
        second = client.get(SUMMARY).get_json()

    assert first["stale"] and second["stale"]
    assert len(run) == 1


def test_a_long_answer_is_not_kept(client, app, world):
    yard = world.place()
    world.record(yard, 1, when="2020-01-01T10:00:00Z")
    world.record(yard, 1, when="2026-01-01T10:00:00Z")
    days = f"{SUMMARY.replace('summary', 'timeseries')}?bucket=day"
    assert len(client.get(days).get_json()["periods"]) > 2000

    with statements(app) as run:
        client.get(days)

    assert len(run) == 1
