"""The /api/v1/collections routes: load with a schema, call the service, dump."""

from flask import current_app, url_for
from flask.views import MethodView

from collections_service import service
from collections_service.schemas import (
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    CollectionQuery,
    CollectionReplace,
)
from service_kit import db
from service_kit.api import ID_CONVERTER, LINK_HEADER, LOCATION_HEADER, Blueprint
from service_kit.paging import next_link

blp = Blueprint(
    "collections", __name__, url_prefix="/api/v1/collections", description="Waste collections."
)


@blp.route("")
class Collections(MethodView):
    @blp.arguments(CollectionQuery, location="query")
    @blp.response(200, CollectionOut(many=True), headers=LINK_HEADER)
    def get(self, query):
        """List collections, filtered, sorted and paged by keyset."""
        rows, cursor = service.list_(db.session, query)
        headers = {"Link": next_link(cursor)} if cursor else {}
        return rows, 200, headers

    @blp.arguments(CollectionIn)
    @blp.response(201, CollectionOut, headers=LOCATION_HEADER)
    def post(self, fields):
        """Record a collection."""
        collection = service.create(db.session, fields, _locations())
        location = url_for(".Collection", collection_id=collection.id)
        return collection, 201, {"Location": location}


@blp.route(f"/<{ID_CONVERTER}:collection_id>")
class Collection(MethodView):
    @blp.response(200, CollectionOut)
    def get(self, collection_id):
        """Read one collection."""
        return service.get(db.session, collection_id)

    @blp.arguments(CollectionReplace)
    @blp.response(200, CollectionOut)
    def put(self, fields, collection_id):
        """Replace every field of a collection."""
        return service.replace(db.session, collection_id, fields, _locations())

    @blp.arguments(CollectionPatch)
    @blp.response(200, CollectionOut)
    def patch(self, changes, collection_id):
        """Change some fields of a collection (status only moves forward)."""
        return service.update(db.session, collection_id, changes, _locations())

    @blp.response(204)
    def delete(self, collection_id):
        """Delete a collection."""
        service.delete(db.session, collection_id)


def _locations():
    return current_app.extensions["locations"]
