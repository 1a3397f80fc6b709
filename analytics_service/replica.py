"""Apply the collections change feed to the replica and its rollups.

A batch is applied set-wise: the last change per collection wins, the old
facts of those collections are taken out of the rollups and the new ones
put in, and the feed cursor moves in the same transaction. The cursor UPDATE
comes first and is conditional on the position the batch was read after, so
it also serves as the lock: of two processes applying the same batch, the
second finds the cursor moved and rolls back. Nothing is lost or counted
twice, even when a process dies mid-batch.

The monthly rollups move with the cursor only while they were in step with
it (rollups.py); otherwise they are built again from the facts, once the
batch is in.

What needs no database (the facts, and their measures by rollup key) is
prepared first, so that a follower can prepare one batch while the one
before is being applied.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ARRAY, Integer, any_, case, delete, func, literal, select, update
from sqlalchemy.orm import Session

from analytics_service import rollups, units
from analytics_service.models import Fact, FeedCursor
from service_kit.data import bulk

IN_CHUNK = 5000


def position(session: Session) -> tuple[int, datetime | None, bool]:
    """Where the replica is: its position, the time of its newest change, and
    whether the monthly rollups are in step with it."""
    row = session.execute(
        select(FeedCursor.position, FeedCursor.data_as_of, FeedCursor.monthly_position).where(
            FeedCursor.id == 1
        )
    ).one_or_none()
    if row is None:
        return 0, None, False
    return row.position, row.data_as_of, row.monthly_position == row.position


@dataclass
class Batch:
    """Changes read from the feed, made ready to apply: the work that needs
    no database, done while the batch before is being applied (follower.py).
    A batch is applied once."""

    head: int  # the position of its last change
    data_as_of: datetime  # when that change was made
    changed: list[int]  # the collections it changes, each once
    facts: list[dict]  # their facts now (a deleted collection has none)
    deltas: rollups.Deltas  # the measures of those facts, in each grain it keeps
    monthly: bool  # whether it keeps the monthly rollups


def prepare(changes: list[dict], monthly: bool = True) -> Batch:
    """A batch of changes (not empty), made ready to apply.

    `monthly=False` leaves the monthly rollups behind (a large backlog: one
    build from the facts at the end costs less than keeping them up batch
    by batch); the next batch applied with `monthly` builds them again.
    """
    latest = {change["collection_id"]: change["collection"] for change in changes}
    facts = [_fact(collection) for collection in latest.values() if collection is not None]
    deltas: rollups.Deltas = {}
    rollups.measure(facts, 1, rollups.kept(monthly), deltas)
    last = changes[-1]
    return Batch(last["position"], changed_at(last), list(latest), facts, deltas, monthly)


def apply(session: Session, after: int, batch: Batch) -> bool:
    """Apply a batch read after position `after`; False if another process already did."""
    if batch.monthly:
        kept = case(
            (FeedCursor.monthly_position == after, batch.head), else_=FeedCursor.monthly_position
        )
    else:
        kept = FeedCursor.monthly_position
    moved = session.execute(
        update(FeedCursor)
        .where(FeedCursor.id == 1, FeedCursor.position == after)
        .values(position=batch.head, data_as_of=batch.data_as_of, monthly_position=kept)
        .returning(FeedCursor.monthly_position)
    ).one_or_none()
    if moved is None:
        return False
    # Only a batch that keeps them can find the monthly rollups in step.
    in_step = moved.monthly_position == batch.head
    grains = rollups.kept(in_step)
    deltas = {grain: batch.deltas[grain] for grain in grains}
    old = _facts(session, batch.changed)
    rollups.measure(old, -1, grains, deltas)
    for chunk in _chunks([fact["collection_id"] for fact in old]):
        session.execute(delete(Fact).where(Fact.collection_id.in_(chunk)))
    bulk.copy_rows(session, Fact.__table__, batch.facts)
    rollups.add(session, deltas)
    if batch.monthly and not in_step:
        rollups.rebuild_monthly(session)
    return True


def catch_up_monthly(session: Session) -> bool:
    """Build the monthly rollups again if they are not in step with the
    cursor (an older release applied the feed); whether it did."""
    cursor = session.execute(
        select(FeedCursor.position, FeedCursor.monthly_position)
        .where(FeedCursor.id == 1)
        .with_for_update()
    ).one_or_none()
    if cursor is None or cursor.monthly_position == cursor.position:
        return False
    rollups.rebuild_monthly(session)
    return True


def _facts(session: Session, ids: list[int]) -> list[dict]:
    """The facts of these collections as they are before the batch.

    A collection above the highest the replica holds has none: new
    collections (most of a backlog) are not looked up one by one.
    """
    highest = session.execute(select(func.max(Fact.collection_id))).scalar()
    ids = [i for i in ids if highest is not None and i <= highest]
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter instead of thousands of bound values.
        condition = [Fact.collection_id == any_(literal(ids, ARRAY(Integer)))]
        chunks = [condition]
    else:
        chunks = [[Fact.collection_id.in_(chunk)] for chunk in _chunks(ids)]
    found = []
    for condition in chunks:
        rows = session.execute(select(Fact.__table__).where(*condition))
        found += [dict(row._mapping) for row in rows]
    return found


def _fact(collection: dict) -> dict:
    when = _parse(collection["collected_date"])
    mass_kg, volume_l = units.measures(collection["id"], collection["quantity"], collection["unit"])
    return {
        "collection_id": collection["id"],
        "location": collection["location"],
        "waste_type": collection["waste_type"],
        "status": collection["status"],
        "collected_date": when,
        "day": when.date(),
        "mass_kg": mass_kg,
        "volume_l": volume_l,
    }


def _chunks(items: list) -> list[list]:
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


def changed_at(change: dict) -> datetime:
    """When a change of the feed was made (the replica's `data_as_of` once applied)."""
    return _parse(change["changed_at"])


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)  # the feed writes UTC with Z
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
