"""The change feed: every insert, update and delete of a collection, in order.

The database writes it: triggers on the collections table (migration 0003)
give each written row the next position and store it as it was written, in
the same statement. A write takes its positions with an UPDATE of the one
counter row, whose lock it holds until it commits, so a second writer gets
its positions only after the first has committed: positions become visible
in order, and a follower reading "after N" never skips one that commits late.

So a transaction should write collections in one statement: one that writes
in two holds the counter between them.
"""

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from collections_service.models import CollectionChange


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
