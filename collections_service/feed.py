"""The change feed: every insert, update and delete of a collection, in order.

Writes are noted as the session flushes them. Just before the transaction
commits, one UPDATE of the single counter row hands out the positions and
the changes are written with them. That UPDATE is the transaction's last
statement and its row lock is held until COMMIT, so a second writer gets its
positions only after the first has committed: positions become visible in
order, and a follower reading "after N" never skips one that commits late.
"""

from datetime import UTC, datetime

from sqlalchemy import bindparam, event, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from collections_service.models import Collection, CollectionChange, FeedCounter
from service_kit import bulk

FIELDS = ("location", "waste_type", "quantity", "unit", "collected_date", "status")
_PENDING = "collection_feed"
# Built once: the statement every write transaction ends with.
_CLAIM = (
    update(FeedCounter)
    .where(FeedCounter.id == 1)
    .values(position=FeedCounter.position + bindparam("count"))
    .returning(FeedCounter.position)
)


def install(sessions: sessionmaker) -> None:
    """Record every collection write made through sessions from this factory."""
    event.listen(sessions, "after_flush", _note_flushed)
    event.listen(sessions, "before_commit", _write_positions)
    event.listen(sessions, "after_rollback", _forget)


def note_inserted(session: Session, ids: list[int], rows: list[dict]) -> None:
    """Note rows written without the ORM (the bulk path)."""
    pending = session.info.setdefault(_PENDING, {})
    for collection_id, row in zip(ids, rows, strict=True):
        pending[collection_id] = {name: row[name] for name in FIELDS}


def _note_flushed(session: Session, _context) -> None:
    pending = session.info.setdefault(_PENDING, {})
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Collection) and session.is_modified(obj):
            pending[obj.id] = {name: getattr(obj, name) for name in FIELDS}
    for obj in session.deleted:
        if isinstance(obj, Collection):
            pending[obj.id] = None


def _write_positions(session: Session) -> None:
    # SQLAlchemy flushes what is left only after before_commit: flush it here,
    # so every change is noted before the positions are handed out.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    last = session.execute(_CLAIM, {"count": len(pending)}).scalar_one()
    now = datetime.now(UTC)
    rows = [
        {
            "position": position,
            "collection_id": collection_id,
            "changed_at": now,
            "op": "delete" if fields is None else "upsert",
            **(fields or {}),
        }
        for position, (collection_id, fields) in enumerate(pending.items(), last - len(pending) + 1)
    ]
    bulk.copy_rows(session, CollectionChange.__table__, rows)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def read(session: Session, after: int, limit: int) -> tuple[list, int]:
    """Up to `limit` changes after position `after`, and the newest position."""
    rows = session.execute(
        select(CollectionChange.__table__)
        .where(CollectionChange.position > after)
        .order_by(CollectionChange.position)
        .limit(limit)
    ).all()
    head = session.execute(text("SELECT position FROM feed_counter WHERE id = 1")).scalar_one()
    return rows, head
