"""The /api/v1/locations routes: load with a schema, call the service, dump."""

from flask import url_for
from flask.views import MethodView

from locations_service import service
from locations_service.schemas import (
    WRITE_LOCATION,
    LocationIn,
    LocationOut,
    LocationPatch,
    LocationQuery,
    LocationReplace,
)
from service_kit.access.scopes import Scopes
from service_kit.data import db
from service_kit.web import conditional, documents
from service_kit.web.api import ID_CONVERTER, ITEM_HEADERS, LINK_HEADER, LOCATION_HEADER, Blueprint
from service_kit.web.idempotency import idempotent
from service_kit.web.paging import page_response

blp = Blueprint(
    "locations",
    __name__,
    url_prefix="/api/v1/locations",
    description="Collection points.",
    scopes=Scopes.of("locations"),
)


EXAMPLE = {
    "name": "Depot North",
    "address": "1 Harbour Road",
    "zone": "North",
    "location_type": "DropOff",
    "latitude": 52.3791,
    "longitude": 4.9003,
}


@blp.route("")
class Locations(MethodView):
    @blp.arguments(LocationQuery, location="query")
    @blp.response(200, LocationOut(many=True), headers=LINK_HEADER)
    def get(self, query):
        """List locations, filtered and paged by keyset.

        Archived locations are left out unless `archived=true` (then only
        they are listed); `name` is exact, `q` matches names without regard
        to case. The next page, if any, is in the `Link` header.
        """
        return page_response(*service.list_(query), WRITE_LOCATION)

    @idempotent
    @blp.arguments(LocationIn, example=EXAMPLE)
    @blp.response(201, LocationOut, headers=LOCATION_HEADER | ITEM_HEADERS | documents.REPLAYED)
    @blp.alt_response(409, "CONFLICT", description="The name is taken, or the key still runs.")
    @blp.doc(**documents.IDEMPOTENT)
    def post(self, fields):
        """Create a location.

        Its name is unique and never changes: collections refer to it.
        Latitude and longitude come together or not at all. With an
        `Idempotency-Key`, a retry answers what the first request did.
        """
        location = service.create(db.session, fields)
        response = conditional.answer(WRITE_LOCATION(service.as_row(location)), 201)
        response.headers["Location"] = url_for(".Location", location_id=location.id)
        return response


@blp.route(f"/<{ID_CONVERTER}:location_id>")
class Location(MethodView):
    @blp.response(200, LocationOut, headers=ITEM_HEADERS)
    @blp.alt_response(304, "NOT_MODIFIED", description="Its ETag still matches If-None-Match.")
    @blp.doc(**documents.CONDITIONAL_READ)
    def get(self, location_id):
        """Read one location, archived or not.

        Answers with its strong `ETag`; with a matching `If-None-Match`, a
        304 and no body.
        """
        return conditional.answer(WRITE_LOCATION(service.read(location_id)))

    @blp.arguments(LocationReplace, example=EXAMPLE)
    @blp.response(200, LocationOut, headers=ITEM_HEADERS)
    @blp.alt_response(409, "CONFLICT", description="The name would change.")
    @blp.alt_response(412, "PRECONDITION_FAILED", description="If-Match no longer matches.")
    @blp.doc(**documents.CONDITIONAL_WRITE)
    def put(self, fields, location_id):
        """Replace every field of a location.

        Optional fields left out become null; the name must stay the same.
        With `If-Match`, only if it has not changed since.
        """
        location = service.replace(db.session, location_id, fields, conditional.expected())
        return conditional.answer(WRITE_LOCATION(service.as_row(location)))

    @blp.arguments(LocationPatch, example={"zone": "Harbour"})
    @blp.response(200, LocationOut, headers=ITEM_HEADERS)
    @blp.alt_response(409, "CONFLICT", description="The name would change.")
    @blp.alt_response(412, "PRECONDITION_FAILED", description="If-Match no longer matches.")
    @blp.doc(**documents.CONDITIONAL_WRITE)
    def patch(self, changes, location_id):
        """Change some fields of a location.

        Not its name (409) nor `archived` (DELETE archives). With
        `If-Match`, only if it has not changed since.
        """
        location = service.update(db.session, location_id, changes, conditional.expected())
        return conditional.answer(WRITE_LOCATION(service.as_row(location)))

    @blp.response(204)
    @blp.alt_response(412, "PRECONDITION_FAILED", description="If-Match no longer matches.")
    @blp.doc(**documents.CONDITIONAL_WRITE)
    def delete(self, location_id):
        """Archive a location.

        It stays readable and in analytics, but is no longer listed and new
        collections cannot name it. Archiving it again is a 204 too.
        """
        service.archive(db.session, location_id, conditional.expected())
