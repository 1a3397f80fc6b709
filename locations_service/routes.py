"""The /api/v1/locations routes: load with a schema, call the service, dump."""

from flask import current_app, url_for
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
from service_kit.web.api import ID_CONVERTER, LINK_HEADER, LOCATION_HEADER, Blueprint
from service_kit.web.paging import page_response

blp = Blueprint(
    "locations",
    __name__,
    url_prefix="/api/v1/locations",
    description="Collection points.",
    scopes=Scopes.of("locations"),
)


@blp.route("")
class Locations(MethodView):
    @blp.arguments(LocationQuery, location="query")
    @blp.response(200, LocationOut(many=True), headers=LINK_HEADER)
    def get(self, query):
        """List locations (not archived unless asked), filtered and paged by keyset."""
        return page_response(*service.list_(db.autocommit(), query), WRITE_LOCATION)

    @blp.arguments(LocationIn)
    @blp.response(201, LocationOut, headers=LOCATION_HEADER)
    def post(self, fields):
        """Create a location; its name is unique and never changes."""
        location = service.create(db.session, fields)
        return location, 201, {"Location": url_for(".Location", location_id=location.id)}


@blp.route(f"/<{ID_CONVERTER}:location_id>")
class Location(MethodView):
    @blp.response(200, LocationOut)
    def get(self, location_id):
        """Read one location, archived or not."""
        return current_app.json.response(WRITE_LOCATION(service.read(db.autocommit(), location_id)))

    @blp.arguments(LocationReplace)
    @blp.response(200, LocationOut)
    def put(self, fields, location_id):
        """Replace every field of a location (its name must stay the same)."""
        return service.replace(db.session, location_id, fields)

    @blp.arguments(LocationPatch)
    @blp.response(200, LocationOut)
    def patch(self, changes, location_id):
        """Change some fields of a location (not its name)."""
        return service.update(db.session, location_id, changes)

    @blp.response(204)
    def delete(self, location_id):
        """Archive a location: still readable, no longer listed or usable."""
        service.archive(db.session, location_id)
