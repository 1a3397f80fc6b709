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
"""

from datetime import UTC, datetime

from sqlalchemy import ARRAY, Integer, any_, case, delete, literal, select, update
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


def apply(session: Session, after: int, changes: list[dict], monthly: bool = True) -> bool:
    """Apply changes read after position `after`; False if another process already did.

    `monthly=False` leaves the monthly rollups behind (a large backlog: one
    build from the facts at the end costs less than keeping them up batch
    by batch); the next batch applied with `monthly` builds them again.
    """
    if not changes:
        return True
    head = changes[-1]["position"]
    if monthly:
        kept = case((FeedCursor.monthly_position == after, head), else_=FeedCursor.monthly_position)
    else:
        kept = FeedCursor.monthly_position
    moved = session.execute(
        update(FeedCursor)
        .where(FeedCursor.id == 1, FeedCursor.position == after)
        .values(
            position=head,
            data_as_of=changed_at(changes[-1]),
            monthly_position=kept,
        )
        .returning(FeedCursor.monthly_position)
    ).one_or_none()
    if moved is None:
        return False
    in_step = moved.monthly_position == head
    latest = {change["collection_id"]: change["collection"] for change in changes}
    old = _facts(session, list(latest))
    new = [_fact(collection) for collection in latest.values() if collection is not None]
    for chunk in _chunks([fact["collection_id"] for fact in old]):
        session.execute(delete(Fact).where(Fact.collection_id.in_(chunk)))
    bulk.copy_rows(session, Fact.__table__, new)
    rollups.add(session, old, new, monthly=in_step)
    if monthly and not in_step:
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
    """The facts of these collections as they are before the batch."""
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
