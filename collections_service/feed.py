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

from sqlalchemy import bindparam, select

from collections_service.models import CollectionChange, FeedCounter
from service_kit.data import columns, db
from service_kit.data.driver import DriverStatement

_HEAD = select(FeedCounter.position).where(FeedCounter.id == 1)
_AFTER = (
    # Enum columns as the text they store: the feed writes that text.
    select(*columns.as_stored(CollectionChange.__table__))
    .where(CollectionChange.position > bindparam("after"))
    .order_by(CollectionChange.position)
)
# On the driver's cursor: a page is up to 10,000 rows, and SQLAlchemy's
# rows cost more than the driver's tuples.
_WINDOW = DriverStatement(_AFTER.where(CollectionChange.position <= bindparam("upto")))
_FIRST = DriverStatement(
    _AFTER.where(CollectionChange.position <= bindparam("head")).limit(bindparam("limit"))
)


def read(after: int, limit: int) -> tuple[list[tuple], int]:
    """Up to `limit` changes after position `after` (tuples of the columns
    of `collection_changes`, in order), and the newest position, read on
    the request's autocommit connection.

    The newest comes first: every position up to it has committed (they
    commit in order), so the changes are read between the two. A follower
    that is up to date costs one look at the counter.

    Positions are taken without gaps (the counter and the changes are
    written in one transaction), so the page is the range of positions
    after `after`, `limit` long: read by the index whatever PostgreSQL
    guesses of the table. (Asked for the first `limit` changes of the whole
    backlog, a table without statistics yet, freshly loaded, was read to its
    end for every page, and sorted.) Should a range fall short (changes
    deleted by hand, a partial restore), the first `limit` are read instead.
    """
    connection = db.autocommit()
    head = connection.execute(_HEAD).scalar_one()
    if head <= after:
        return [], head
    upto = min(head, after + limit)
    rows = _WINDOW.all(connection, {"after": after, "upto": upto})
    if len(rows) < upto - after:
        rows = _FIRST.all(connection, {"after": after, "head": head, "limit": limit})
    return rows, head
