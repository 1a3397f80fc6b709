"""The rollups and the table each question is read from: the coarsest that
answers exactly; the monthly ones only while in step with the replica, and
built again when an older release applied the feed without them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from analytics_service import replica, rollups, sources
from analytics_service.__main__ import sync
from analytics_service.models import FeedCursor, MonthlyTotal, PlaceTotal
from analytics_service.sources import Filters
from analytics_service.tests.test_freshness import SUMMARY, feed_from_start
from service_kit.data.db import make_engine

MARCH = datetime(2026, 3, 1, tzinfo=UTC)
MID_MARCH = datetime(2026, 3, 15, tzinfo=UTC)
AN_HOUR_IN = datetime(2026, 3, 15, 1, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("filters", "by", "zone", "table"),
    [
        (Filters(), ("waste_type", "status"), None, "monthly_totals"),
        (Filters(start=MARCH), ("month", "waste_type"), None, "monthly_totals"),
        (Filters(locations=frozenset({"A"})), ("waste_type", "status"), None, "place_totals"),
        (Filters(), ("location", "waste_type"), None, "place_totals"),
        (Filters(start=MID_MARCH), ("waste_type", "status"), None, "daily_totals"),
        (Filters(), ("day", "waste_type"), None, "daily_totals"),
        (Filters(start=MID_MARCH), ("location", "waste_type"), None, "facts"),
        (Filters(start=AN_HOUR_IN), ("waste_type", "status"), None, "facts"),
        (Filters(), ("month", "waste_type"), AMSTERDAM, "facts"),
        (Filters(monthly=False), ("waste_type", "status"), None, "daily_totals"),
        (Filters(monthly=False), ("location", "waste_type"), None, "facts"),
    ],
)
def test_each_question_is_read_from_the_coarsest_table_that_answers_it(filters, by, zone, table):
    chosen = sources.choose(filters, by, zone or sources.UTC_ZONE)

    assert chosen.model.__tablename__ == table


def as_an_older_release(session, after: int, changes: list[dict]) -> None:
    """Apply a batch as a release before the monthly rollups did: the facts,
    the daily rollup and the cursor, never the monthly ones or their position."""
    session.execute(
        update(FeedCursor).where(FeedCursor.id == 1).values(position=changes[-1]["position"])
    )
    batch = replica.prepare(changes, monthly=False)
    replica.bulk.copy_rows(session, replica.Fact.__table__, batch.facts)
    rollups.add(session, batch.deltas)


def monthly_rows(config) -> tuple[list, list, tuple]:
    engine = make_engine(config.database_url)
    with engine.connect() as connection:
        months = [tuple(r) for r in connection.execute(select(MonthlyTotal.__table__)).all()]
        places = [tuple(r) for r in connection.execute(select(PlaceTotal.__table__)).all()]
        cursor = connection.execute(text("SELECT position, monthly_position FROM feed_cursor"))
        positions = tuple(cursor.one())
    engine.dispose()
    return months, places, positions


def test_after_an_older_release_applied_the_feed_the_figures_stay_exact(
    client, app, world, upstreams, config
):
    yard = world.place()
    world.record(yard, 2, when="2026-03-02T10:00:00Z")
    assert client.get(SUMMARY).get_json()["total_kg"] == 2  # in step, read monthly
    world.record(yard, 5, when="2026-03-03T10:00:00Z")
    changes = feed_from_start(upstreams)
    with app.extensions["db"].sessions() as session:
        as_an_older_release(session, changes[0]["position"], changes[1:])
        session.commit()

    behind = client.get(SUMMARY).get_json()
    of_place = client.get(f"/api/v1/analytics/locations?location={yard}").get_json()
    months_behind = monthly_rows(config)
    built = app.extensions["analytics"].follower.build_monthly()
    months_after, places_after, positions = monthly_rows(config)

    assert behind["total_kg"] == 7  # from the daily rollup, not the monthly one
    assert of_place["locations"][0]["kg"] == 7  # from the facts
    assert months_behind[0][0][3] == 1  # the monthly rollup still held one collection
    assert built is True
    assert [row[3:5] for row in months_after] == [(2, 7.0)]
    assert [row[1] for row in places_after] == [yard]
    assert positions[0] == positions[1]
    assert client.get(SUMMARY).get_json()["total_kg"] == 7
    assert app.extensions["analytics"].follower.build_monthly() is False


def test_a_batch_applied_while_behind_builds_the_monthly_rollups_again(
    client, app, world, upstreams, config
):
    engine = make_engine(config.database_url)
    with engine.begin() as connection:  # as migration 0002 leaves a replica
        connection.execute(text("UPDATE feed_cursor SET monthly_position = NULL"))
    engine.dispose()
    yard = world.place()
    world.record(yard, 3, when="2026-04-30T23:59:59Z")

    assert client.get(SUMMARY).get_json()["total_kg"] == 3
    months, places, positions = monthly_rows(config)
    assert [(row[0].isoformat(), row[3:5]) for row in months] == [("2026-04-01", (1, 3.0))]
    assert len(places) == 1
    assert positions[0] == positions[1]


def test_sync_applies_the_backlog_then_builds_the_monthly_rollups_once(
    client, world, config, capsys
):
    yard = world.place()
    for quantity in (1, 2, 3):
        world.record(yard, quantity, when="2026-02-10T10:00:00Z")

    sync(config)

    printed = capsys.readouterr().out.splitlines()
    months, places, (position, monthly_position) = monthly_rows(config)
    assert printed[0].startswith("at position 3,")
    assert printed[-1].startswith("monthly rollups built")
    assert (position, monthly_position) == (3, 3)
    assert [row[3:5] for row in months] == [(3, 6.0)]
    assert len(places) == 1
    assert client.get(SUMMARY).get_json()["total_kg"] == 6
