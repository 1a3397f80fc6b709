"""Many rows at once (service_kit.data.bulk), on the tests' database:
PostgreSQL's COPY and array upserts, or SQLite's multi-row statements."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

from service_kit.data import bulk
from service_kit.data.columns import UtcDateTime
from service_kit.data.db import make_engine

metadata = MetaData()
EVENTS = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("place", String(200)),
    Column("at", UtcDateTime),
    Column("kg", Float(precision=53)),
)
TOTALS = Table(
    "totals",
    metadata,
    Column("day", Date, primary_key=True),
    Column("place", String(200), primary_key=True),
    Column("events", Integer),
    Column("kg", Float(precision=53)),
)
# Names CSV must quote, and PostgreSQL's array text must escape.
AWKWARD = ('Pier 4, "Old" Dock', "Back\\slash {yard}", "Line\nbreak", "NULL", "")
ZONES = (UTC, timezone(timedelta(hours=5, minutes=30)))
# COPY's CSV reads an empty cell as NULL, an empty string too (bulk.py).
COPIED = AWKWARD[:-1]


@pytest.fixture
def session(make_database, request):
    engine = make_engine(make_database(f"bulk_{request.node.name[5:30]}"))
    metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_copied_rows_are_stored_exactly_past_many_chunks(session):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": n,
            "place": COPIED[n % len(COPIED)],
            # Aware in any zone (a UtcDateTime's rule): stored as that instant.
            "at": (start + timedelta(seconds=n * 61, microseconds=n)).astimezone(ZONES[n % 2]),
            "kg": None if n % 97 == 0 else n / 7,
        }
        for n in range(1, 1301)
    ]

    bulk.copy_rows(session, EVENTS, rows)
    session.commit()

    stored = [row._asdict() for row in session.execute(select(EVENTS).order_by(EVENTS.c.id))]
    assert stored == rows


def test_measures_are_added_at_their_keys_and_an_emptied_row_is_exactly_zero(session):
    day = date(2026, 3, 1)
    first = [(day, place, 1, 0.1) for place in AWKWARD]
    bulk.add_to_rows(session, TOTALS, "events", first)
    again = [
        (day, AWKWARD[0], 2, 0.2),
        (day, AWKWARD[1], -1, -0.1),
        (date(2026, 3, 2), "New", 1, 5),
    ]

    bulk.add_to_rows(session, TOTALS, "events", again)
    session.commit()

    stored = {
        (row.day, row.place): (row.events, row.kg) for row in session.execute(select(TOTALS)).all()
    }
    assert (
        stored
        == {
            (day, AWKWARD[0]): (3, pytest.approx(0.3)),
            (day, AWKWARD[1]): (0, 0.0),  # emptied: exactly 0, not 0.1 - 0.1's residue
            **{(day, place): (1, 0.1) for place in AWKWARD[2:]},
            (date(2026, 3, 2), "New"): (1, 5.0),
        }
    )
