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

from sqlalchemy import Connection, bindparam, select

from collections_service.models import CollectionChange, FeedCounter
from service_kit.data import columns

_HEAD = select(FeedCounter.position).where(FeedCounter.id == 1)
# Enum columns as the text they store: the feed writes that text.
_CHANGES = (
    select(*columns.as_stored(CollectionChange.__table__))
    .where(
        CollectionChange.position > bindparam("after"),
        CollectionChange.position <= bindparam("head"),
    )
    .order_by(CollectionChange.position)
    .limit(bindparam("limit"))
)


def read(connection: Connection, after: int, limit: int) -> tuple[list, int]:
    """Up to `limit` changes after position `after`, and the newest position.

    The newest comes first: every position up to it has committed (they
    commit in order), so the changes are read between the two. A follower
    that is up to date costs one look at the counter; and the range, bounded
    at both ends, is read by the index even before PostgreSQL has statistics
    of a freshly loaded table (open-ended, it was a scan of every change).
    """
    head = connection.execute(_HEAD).scalar_one()
    if head <= after:
        return [], head
    rows = connection.execute(_CHANGES, {"after": after, "head": head, "limit": limit}).all()
    return rows, head
