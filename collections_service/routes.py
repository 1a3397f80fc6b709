"""The /api/v1/collections routes: load with a schema, call the service, dump."""

import csv

from flask import Response, after_this_request, current_app, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import BadRequest

from collections_service import service, transfer
from collections_service.schemas import (
    WRITE_COLLECTION,
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    CollectionQuery,
    CollectionReplace,
    ImportResult,
)
from service_kit import memory
from service_kit.access.scopes import Scopes
from service_kit.data import db
from service_kit.web.api import ID_CONVERTER, LINK_HEADER, LOCATION_HEADER, Blueprint
from service_kit.web.errors import Unprocessable
from service_kit.web.paging import page_response
from service_kit.web.requests import accepts, json_body

IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/CollectionIn"},
                "minItems": 1,
                "maxItems": transfer.MAX_ROWS,
            }
        },
        "text/csv": {
            "schema": {"type": "string"},
            "description": "RFC 4180, UTF-8, a header row of the contract's field names.",
        },
    },
}
# The list answers JSON, or CSV when asked with Accept: text/csv.
LIST_CONTENT = {
    "application/json": {
        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/CollectionOut"}}
    },
    "text/csv": {"schema": {"type": "string"}},
}
blp = Blueprint(
    "collections",
    __name__,
    url_prefix="/api/v1/collections",
    description="Waste collections.",
    scopes=Scopes.of("collections"),
)


@blp.route("")
class Collections(MethodView):
    @blp.arguments(CollectionQuery, location="query")
    @blp.response(200, CollectionOut(many=True), headers=LINK_HEADER)
    @blp.doc(responses={"200": {"content": LIST_CONTENT}})
    def get(self, query):
        """List collections, filtered, sorted and paged by keyset.

        With `Accept: text/csv`: every matching collection as one CSV download
        (not paged; an explicit `limit` caps it).
        """
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return _csv_export(query)
        return page_response(*service.list_(db.autocommit(), query), WRITE_COLLECTION)

    @blp.arguments(CollectionIn)
    @blp.response(201, CollectionOut, headers=LOCATION_HEADER)
    def post(self, fields):
        """Record a collection."""
        created = WRITE_COLLECTION(service.create(db.autocommit(), fields, _locations()))
        response = current_app.json.response(created)
        response.headers["Location"] = url_for(".Collection", collection_id=created["id"])
        return response, 201


@blp.route("/import")
class CollectionImport(MethodView):
    @blp.doc(requestBody=IMPORT_BODY)
    @blp.response(201, ImportResult)
    @accepts("text/csv")
    def post(self):
        """Import up to 10,000 collections, all or nothing, as a JSON array or CSV."""
        request.max_content_length = transfer.MAX_BYTES
        # Once answered, the rows' memory goes back to the system.
        after_this_request(_trim_when_closed)
        rows, errors = _import_rows()
        ids = transfer.import_(db.session, rows, _locations(), errors)
        return {"count": len(ids), "id_ranges": transfer.id_ranges(ids)}, 201


@blp.route(f"/<{ID_CONVERTER}:collection_id>")
class Collection(MethodView):
    @blp.response(200, CollectionOut)
    def get(self, collection_id):
        """Read one collection."""
        return current_app.json.response(
            WRITE_COLLECTION(service.read(db.autocommit(), collection_id))
        )

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


def _trim_when_closed(response: Response) -> Response:
    response.call_on_close(memory.trim)
    return response


def _locations():
    return current_app.extensions["locations"]


def _import_rows() -> tuple[list, dict]:
    if request.mimetype != "text/csv":
        return transfer.rows_from_json(json_body()), {}
    try:
        return transfer.rows_from_csv(request.get_data().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BadRequest("The CSV is not UTF-8.") from error
    except csv.Error as error:
        raise BadRequest(f"The CSV cannot be read: {error}.") from error


def _csv_export(query: dict) -> Response:
    if "cursor" in query:
        raise Unprocessable(
            "A CSV export is never paged; leave out cursor.",
            errors={"cursor": ["Does not apply to text/csv."]},
        )
    max_rows = query["limit"] if "limit" in request.args else None
    chunks = transfer.export_csv(db.engine(), query, max_rows)
    disposition = 'attachment; filename="collections.csv"'
    return Response(chunks, mimetype="text/csv", headers={"Content-Disposition": disposition})
