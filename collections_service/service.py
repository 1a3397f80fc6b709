"""Domain functions on collections; none commits.

Those that need a unit of work (PUT, a PATCH with a rule to check against
the row, DELETE) take the request's session. The fast paths (a read, a
list, a create, a plain PATCH) run one statement each on the request's
autocommit connection (service_kit.data.db), chosen here, never by a view.
"""

from sqlalchemy import Row, Select, bindparam, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from werkzeug.datastructures import ETags

from collections_service import bounds
from collections_service.errors import CollectionNotFound, QuantityTooLarge, StatusBackwards
from collections_service.locations import LocationDirectory
from collections_service.models import Collection, Status
from collections_service.schemas import WRITE_COLLECTION
from service_kit.data import columns, db
from service_kit.data.driver import DriverStatement
from service_kit.web import conditional, paging
from service_kit.web.errors import IdMismatch
from service_kit.web.fields import UtcDateTime

_ID = paging.CURSOR_ID
# The list filters that take several values.
_LISTED = ("location", "waste_type", "status")
_BY_DATE = (Collection.collected_date, Collection.id)
_ORDERS = {
    "id": paging.Order((Collection.id,), (_ID,)),
    "-id": paging.Order((Collection.id,), (_ID,), descending=True),
    "collected_date": paging.Order(_BY_DATE, (UtcDateTime(), _ID)),
    "-collected_date": paging.Order(_BY_DATE, (UtcDateTime(), _ID), descending=True),
}


def get(session: Session, collection_id: int, for_update: bool = False) -> Collection:
    """One collection; `for_update` locks its row until the transaction ends."""
    collection = session.get(
        Collection, collection_id, with_for_update=for_update, populate_existing=for_update
    )
    if collection is None:
        raise CollectionNotFound(collection_id)
    return collection


# One collection as a row, for answering a read.
read = db.row_by_id(Collection.__table__, CollectionNotFound)


# One statement on the driver's cursor, no unit of work: the commonest write,
# kept cheap. Every field but the id is given (status has a default in the
# schema); the new row comes back whole.
_INSERT = DriverStatement(
    insert(Collection.__table__)
    .values({c.key: bindparam(c.key) for c in Collection.__table__.c if not c.primary_key})
    .returning(*columns.as_stored(Collection.__table__))
)


def create(fields: dict, locations: LocationDirectory) -> tuple:
    """Store a new collection: one INSERT (its feed entry is written with it),
    committed on its own (or with the request, when it is one transaction)."""
    fields.pop("id", None)
    locations.require_active(fields["location"])
    return _INSERT.one_or_none(db.autocommit(), fields)


def as_row(collection: Collection) -> tuple:
    """A collection as the read routes' row (for `WRITE_COLLECTION`)."""
    return tuple(getattr(collection, column.key) for column in Collection.__table__.columns)


def replace(
    session: Session,
    collection_id: int,
    fields: dict,
    locations: LocationDirectory,
    if_match: ETags | None = None,
) -> Collection:
    body_id = fields.pop("id", None)
    if body_id is not None and body_id != collection_id:
        raise IdMismatch(collection_id, body_id)
    _check_status(get(session, collection_id), fields)  # a 404 or 409 needs no lookup
    locations.require_active(fields["location"])
    return _apply(session, get(session, collection_id, for_update=True), fields, if_match)


def update(
    session: Session,
    collection_id: int,
    changes: dict,
    locations: LocationDirectory,
    if_match: ETags | None = None,
) -> tuple:
    """Change some fields; the collection as it is then, as a row."""
    changes.pop("id", None)
    if changes and changes.keys() <= _PLAIN and if_match is None:
        return _update_plain(collection_id, changes)
    collection = get(session, collection_id)
    _check_status(collection, changes)
    _check_quantity(collection, changes)
    if "location" in changes and changes["location"] != collection.location:
        locations.require_active(changes["location"])
    updated = _apply(session, get(session, collection_id, for_update=True), changes, if_match)
    return as_row(updated)


# Fields a PATCH may change with no rule that needs the row first (a
# quantity and its unit must fit together, a new location must be active,
# If-Match compares the row as it was). Such a PATCH, the commonest (a
# collection done), is one UPDATE in autocommit: no transaction held across
# round trips, so the feed's counter row is locked for the statement only.
_PLAIN = frozenset({"status", "waste_type", "collected_date"})
_PLAIN_UPDATES: dict[tuple, DriverStatement] = {}


def _update_plain(collection_id: int, changes: dict) -> tuple:
    """One UPDATE ... RETURNING; status never goes back (checked in its WHERE)."""
    backwards = changes.get("status") == Status.PENDING
    shape = (frozenset(changes), backwards)
    statement = _PLAIN_UPDATES.get(shape)
    if statement is None:
        table = Collection.__table__
        update_ = (
            sql_update(table)
            .where(table.c.id == bindparam("collection_id"))
            .values({name: bindparam(name) for name in sorted(changes)})
            .returning(*columns.as_stored(table))
        )
        if backwards:
            update_ = update_.where(table.c.status != Status.COMPLETED)
        statement = _PLAIN_UPDATES[shape] = DriverStatement(update_)
    row = statement.one_or_none(db.autocommit(), {"collection_id": collection_id, **changes})
    if row is None:
        read(collection_id)  # a 404 if there is none
        raise StatusBackwards()
    return row


def _check_status(collection: Collection, changes: dict) -> None:
    if collection.status == Status.COMPLETED and changes.get("status") == Status.PENDING:
        raise StatusBackwards()


def _check_quantity(collection: Collection, changes: dict) -> None:
    """A PATCH may change the quantity or the unit alone: the pair it leaves
    must still fit the bounds (the schema checks a pair sent together)."""
    quantity = changes.get("quantity", collection.quantity)
    message = bounds.quantity_error(quantity, changes.get("unit", collection.unit))
    if message is not None:
        raise QuantityTooLarge(message)


def _apply(
    session: Session, collection: Collection, changes: dict, if_match: ETags | None
) -> Collection:
    """Apply changes to a row locked for update, If-Match and the status rule
    checked under the lock (a concurrent write may have changed it meanwhile)."""
    conditional.require(WRITE_COLLECTION(as_row(collection)), if_match)
    _check_status(collection, changes)
    for name, value in changes.items():
        setattr(collection, name, value)
    session.flush()
    return collection


def delete(session: Session, collection_id: int, if_match: ETags | None = None) -> None:
    collection = get(session, collection_id, for_update=if_match is not None)
    conditional.require(WRITE_COLLECTION(as_row(collection)), if_match)
    session.delete(collection)
    session.flush()


def list_(query: dict) -> tuple[list[Row], str | None]:
    """One page of collections and the cursor of the next page (None on the
    last), read on the request's autocommit connection."""
    statement, params = _LISTING(query)
    sort = query["sort"]
    return paging.page(
        db.autocommit(), statement, params, sort, _ORDERS[sort], query["limit"], query.get("cursor")
    )


def ordered(statement: Select, sort: str) -> Select:
    """`statement` in the order a list `sort` names (no paging)."""
    return statement.order_by(*_ORDERS[sort].clauses())


def filtered(statement: Select, query: dict) -> Select:
    """`statement` narrowed by a list query's filters (values or bound parameters)."""
    for name in _LISTED:
        if name in query:
            statement = statement.where(getattr(Collection, name).in_(query[name]))
    if "collected_from" in query:
        statement = statement.where(Collection.collected_date >= query["collected_from"])
    if "collected_to" in query:
        statement = statement.where(Collection.collected_date < query["collected_to"])
    return statement


# The list's select for each set of filters, built once (paging.Listing).
_LISTING = paging.Listing(
    lambda values: filtered(select(*columns.as_stored(Collection.__table__)), values),
    filters=(*_LISTED, "collected_from", "collected_to"),
    lists=frozenset(_LISTED),
)
