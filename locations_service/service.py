"""Domain functions on locations; none commits.

Writes take the request's session (the transaction the request commits);
a read and a list run on the request's autocommit connection
(service_kit.data.db), chosen here, never by a view.
"""

from sqlalchemy import Row, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import ETags

from locations_service.errors import (
    ArchivedReadOnly,
    CoordinatesUnpaired,
    LocationNotFound,
    NameImmutable,
    NameTaken,
)
from locations_service.models import Location
from locations_service.schemas import WRITE_LOCATION
from service_kit.data import columns, db
from service_kit.web import conditional, paging
from service_kit.web.errors import IdMismatch
from service_kit.web.fields import Text

_ID = paging.CURSOR_ID
_BY_NAME = (Location.name, Location.id)
# The list filters that take several values.
_LISTED = ("zone", "location_type", "name")
_ORDERS = {
    "id": paging.Order((Location.id,), (_ID,)),
    "-id": paging.Order((Location.id,), (_ID,), descending=True),
    "name": paging.Order(_BY_NAME, (Text(), _ID)),
    "-name": paging.Order(_BY_NAME, (Text(), _ID), descending=True),
}


def get(session: Session, location_id: int, for_update: bool = False) -> Location:
    """One location; `for_update` locks its row until the transaction ends."""
    location = session.get(
        Location, location_id, with_for_update=for_update, populate_existing=for_update
    )
    if location is None:
        raise LocationNotFound(location_id)
    return location


# One location as a row, for answering a read.
read = db.row_by_id(Location.__table__, LocationNotFound)


def create(session: Session, fields: dict) -> Location:
    fields.pop("id", None)
    if fields.pop("archived", False):
        raise ArchivedReadOnly(False)
    if session.scalar(select(Location.id).where(Location.name == fields["name"])) is not None:
        raise NameTaken(fields["name"])
    location = Location(**fields)
    _check_coordinates(location)
    session.add(location)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent create took the name first
        raise NameTaken(fields["name"]) from error
    return location


def as_row(location: Location) -> tuple:
    """A location as the read routes' row (for `WRITE_LOCATION`)."""
    return tuple(getattr(location, column.key) for column in Location.__table__.columns)


def replace(
    session: Session, location_id: int, fields: dict, if_match: ETags | None = None
) -> Location:
    body_id = fields.pop("id", None)
    if body_id is not None and body_id != location_id:
        raise IdMismatch(location_id, body_id)
    # Replace means every optional field too: what is not sent becomes null.
    fields = {"address": None, "zone": None, "latitude": None, "longitude": None} | fields
    return update(session, location_id, fields, if_match)


def update(
    session: Session, location_id: int, changes: dict, if_match: ETags | None = None
) -> Location:
    # Locked: If-Match, the coordinate and name rules hold against the row as it is now.
    location = get(session, location_id, for_update=True)
    conditional.require(WRITE_LOCATION(as_row(location)), if_match)
    changes.pop("id", None)
    if "name" in changes and changes["name"] != location.name:
        raise NameImmutable(location.name)
    if "archived" in changes and changes.pop("archived") != location.archived:
        raise ArchivedReadOnly(location.archived)
    for name, value in changes.items():
        setattr(location, name, value)
    _check_coordinates(location)
    session.flush()
    return location


def archive(session: Session, location_id: int, if_match: ETags | None = None) -> None:
    """Archive a location: kept and readable, but no longer listed or usable."""
    location = get(session, location_id, for_update=True)
    conditional.require(WRITE_LOCATION(as_row(location)), if_match)
    location.archived = True
    session.flush()


def list_(query: dict) -> tuple[list[Row], str | None]:
    """One page of locations and the cursor of the next page (None on the
    last), read on the request's autocommit connection."""
    if "q" in query:
        query = query | {"q": _like_escaped(query["q"])}
    statement, params = _LISTING(query)
    sort = query["sort"]
    return paging.page(
        db.autocommit(), statement, params, sort, _ORDERS[sort], query["limit"], query.get("cursor")
    )


def _filtered(statement: Select, query: dict) -> Select:
    """`statement` narrowed by a list query's filters (values or bound
    parameters); `q` comes escaped for LIKE with "/"."""
    statement = statement.where(Location.archived == query["archived"])
    for name in _LISTED:
        if name in query:
            statement = statement.where(getattr(Location, name).in_(query[name]))
    if "q" in query:
        statement = statement.where(Location.name.icontains(query["q"], escape="/"))
    return statement


def _like_escaped(text: str) -> str:
    """`text` matched as it is inside LIKE, "/" escaping (as autoescape would)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


# The list's select for each set of filters, built once (paging.Listing).
_LISTING = paging.Listing(
    lambda values: _filtered(select(*columns.as_stored(Location.__table__)), values),
    filters=("archived", *_LISTED, "q"),
    lists=frozenset(_LISTED),
)


def _check_coordinates(location: Location) -> None:
    if (location.latitude is None) != (location.longitude is None):
        raise CoordinatesUnpaired()
