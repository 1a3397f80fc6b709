"""Domain functions on collections; each takes the session, none commits."""

from marshmallow import ValidationError
from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from collections_service.errors import CollectionNotFound, IdMismatch, StatusBackwards
from collections_service.models import Collection, Status
from service_kit.fields import UtcDateTime, format_utc
from service_kit.paging import bad_cursor, decode_cursor, encode_cursor

_CURSOR_DATE = UtcDateTime()
_ORDERS = {
    "id": ((Collection.id,), False),
    "-id": ((Collection.id,), True),
    "collected_date": ((Collection.collected_date, Collection.id), False),
    "-collected_date": ((Collection.collected_date, Collection.id), True),
}


def get(session: Session, collection_id: int) -> Collection:
    collection = session.get(Collection, collection_id)
    if collection is None:
        raise CollectionNotFound(collection_id)
    return collection


def create(session: Session, fields: dict) -> Collection:
    fields.pop("id", None)
    collection = Collection(**fields)
    session.add(collection)
    session.flush()
    return collection


def replace(session: Session, collection_id: int, fields: dict) -> Collection:
    body_id = fields.pop("id", None)
    if body_id is not None and body_id != collection_id:
        raise IdMismatch(collection_id, body_id)
    return update(session, collection_id, fields)


def update(session: Session, collection_id: int, changes: dict) -> Collection:
    collection = get(session, collection_id)
    changes.pop("id", None)
    if collection.status == Status.COMPLETED and changes.get("status") == Status.PENDING:
        raise StatusBackwards()
    for name, value in changes.items():
        setattr(collection, name, value)
    session.flush()
    return collection


def delete(session: Session, collection_id: int) -> None:
    session.delete(get(session, collection_id))
    session.flush()


def list_(session: Session, query: dict) -> tuple[list[Collection], str | None]:
    """One page of collections and the cursor of the next page (None on the last)."""
    sort, limit = query["sort"], query["limit"]
    columns, descending = _ORDERS[sort]
    statement = _filtered(select(Collection), query)
    if "cursor" in query:
        key = _cursor_key(decode_cursor(query["cursor"], sort), len(columns))
        after = tuple_(*columns) < tuple_(*key) if descending else tuple_(*columns) > tuple_(*key)
        statement = statement.where(after)
    order = [column.desc() if descending else column.asc() for column in columns]
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(sort, _key_of(rows[-1], sort))


def _filtered(statement: Select, query: dict) -> Select:
    for name in ("location", "waste_type", "status"):
        if query.get(name):
            statement = statement.where(getattr(Collection, name).in_(query[name]))
    if "collected_from" in query:
        statement = statement.where(Collection.collected_date >= query["collected_from"])
    if "collected_to" in query:
        statement = statement.where(Collection.collected_date < query["collected_to"])
    return statement


def _key_of(collection: Collection, sort: str) -> list:
    if sort.lstrip("-") == "id":
        return [collection.id]
    return [format_utc(collection.collected_date), collection.id]


def _cursor_key(values: list, width: int) -> list:
    """Check a decoded cursor key and turn it back into column values."""
    last_id = values[-1]
    if len(values) != width or isinstance(last_id, bool) or not isinstance(last_id, int):
        raise bad_cursor("The cursor is damaged.")
    if width == 1:
        return values
    try:
        return [_CURSOR_DATE.deserialize(values[0]), last_id]
    except ValidationError as error:
        raise bad_cursor("The cursor is damaged.") from error
