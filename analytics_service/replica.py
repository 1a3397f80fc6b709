"""Apply the collections change feed to the replica and its rollups.

A batch is applied set-wise: the last change per collection wins, the old
facts of those collections are taken out of the rollup and the new ones
put in, and the feed cursor moves in the same transaction. The cursor UPDATE
comes first and is conditional on the position the batch was read after, so
it also serves as the lock: of two processes applying the same batch, the
second finds the cursor moved and rolls back. Nothing is lost or counted
twice, even when a process dies mid-batch.
"""

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import ARRAY, Integer, any_, delete, literal, select, update
from sqlalchemy.orm import Session

from analytics_service import units
from analytics_service.models import DailyTotal, Fact, FeedCursor
from service_kit.data import bulk

IN_CHUNK = 5000


def position(session: Session) -> tuple[int, datetime | None]:
    cursor = session.get(FeedCursor, 1, populate_existing=True)
    return (cursor.position, cursor.data_as_of) if cursor else (0, None)


def apply(session: Session, after: int, changes: list[dict]) -> bool:
    """Apply changes read after position `after`; False if another process already did."""
    if not changes:
        return True
    moved = session.execute(
        update(FeedCursor)
        .where(FeedCursor.id == 1, FeedCursor.position == after)
        .values(position=changes[-1]["position"], data_as_of=_parse(changes[-1]["changed_at"]))
    ).rowcount
    if moved == 0:
        return False
    latest = {change["collection_id"]: change["collection"] for change in changes}
    old = _facts(session, list(latest))
    new = [_fact(collection) for collection in latest.values() if collection is not None]
    deltas: dict = defaultdict(_zero)
    for fact, sign in [*((fact, -1) for fact in old), *((fact, 1) for fact in new)]:
        _add(deltas, fact, sign)
    for chunk in _chunks([fact["collection_id"] for fact in old]):
        session.execute(delete(Fact).where(Fact.collection_id.in_(chunk)))
    bulk.copy_rows(session, Fact.__table__, new)
    rows = [(*key, count, mass, volume) for key, (count, mass, volume) in deltas.items()]
    bulk.add_to_rows(session, DailyTotal.__table__, "collections", rows)
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


def _zero() -> list:
    return [0, 0.0, 0.0]


def _add(deltas: dict, fact: dict, sign: int) -> None:
    measures = deltas[(fact["day"], fact["waste_type"], fact["status"])]
    measures[0] += sign
    measures[1] += sign * fact["mass_kg"]
    measures[2] += sign * fact["volume_l"]


def _chunks(items: list) -> list[list]:
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)  # the feed writes UTC with Z
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
