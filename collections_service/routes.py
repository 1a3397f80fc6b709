"""The /api/v1/collections routes: load with a schema, call the service, dump."""

import csv

from flask import Response, after_this_request, current_app, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import BadRequest

from collections_service import docs, metrics, service, transfer
from collections_service.schemas import (
    WRITE_COLLECTION,
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    CollectionQuery,
    CollectionReplace,
    ImportProblem,
    ImportResult,
)
from service_kit import memory
from service_kit.access.scopes import Scopes
from service_kit.data import db
from service_kit.web import conditional, documents
from service_kit.web.api import ID_CONVERTER, ITEM_HEADERS, LINK_HEADER, LOCATION_HEADER, Blueprint
from service_kit.web.errors import Unprocessable
from service_kit.web.idempotency import idempotent
from service_kit.web.paging import page_response
from service_kit.web.requests import accepts, body_limit, json_body, produces

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
    @blp.doc(responses=docs.LIST_CSV)
    @blp.alt_response(406, "NOT_ACCEPTABLE")
    @produces("text/csv")
    def get(self, query):
        """List collections, filtered, sorted and paged by keyset.

        The body is a bare array; the next page, if any, is in the `Link`
        header (`rel="next"`), whose cursor keeps paging stable while rows
        are added. With `Accept: text/csv`: every matching collection as one
        CSV download (not paged; an explicit `limit` caps it).
        """
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return _csv_export(query)
        return page_response(*service.list_(query), WRITE_COLLECTION)

    @idempotent
    @blp.arguments(CollectionIn, example=docs.COLLECTION_EXAMPLE)
    @blp.response(201, CollectionOut, headers=LOCATION_HEADER | ITEM_HEADERS | documents.REPLAYED)
    @blp.alt_response(409, "CONFLICT", description=documents.KEY_IN_USE)
    @blp.doc(**documents.IDEMPOTENT)
    def post(self, fields):
        """Record a collection.

        Its `location` must name an active location (else 422 naming
        `location`; 503 if the locations service cannot be asked). With an
        `Idempotency-Key`, a retry answers what the first request did.
        """
        created = WRITE_COLLECTION(service.create(fields, _locations()))
        metrics.recorded([fields], "create")
        response = conditional.answer(created, 201)
        response.headers["Location"] = url_for(".Collection", collection_id=created["id"])
        return response


@blp.route("/import")
class CollectionImport(MethodView):
    @body_limit(transfer.MAX_BYTES)
    @idempotent
    @blp.doc(requestBody=docs.IMPORT_BODY, **documents.IDEMPOTENT)
    @blp.response(201, ImportResult, headers=documents.REPLAYED)
    @blp.alt_response(
        422,
        schema=ImportProblem,
        content_type="application/problem+json",
        description="Rows are invalid: none is stored.",
    )
    @blp.alt_response(409, "CONFLICT", description=documents.KEY_IN_USE)
    @accepts("text/csv")
    def post(self):
        """Import up to 10,000 collections, all or nothing, as a JSON array or CSV.

        Every row is checked as a single create would check it, and each
        distinct location once; if any row is invalid nothing is stored and
        the 422 lists the first 100 bad rows. The gateway takes 16 MiB here.
        """
        # Once answered, the rows' memory goes back to the system.
        after_this_request(_trim_when_closed)
        rows, errors = _import_rows()
        ids = transfer.import_(db.session, rows, _locations(), errors)
        return {"count": len(ids), "id_ranges": transfer.id_ranges(ids)}, 201


@blp.route(f"/<{ID_CONVERTER}:collection_id>")
class Collection(MethodView):
    @blp.response(200, CollectionOut, headers=ITEM_HEADERS)
    @blp.alt_response(304, "NOT_MODIFIED", description="Its ETag still matches If-None-Match.")
    @blp.doc(**documents.CONDITIONAL_READ)
    def get(self, collection_id):
        """Read one collection.

        Answers with its strong `ETag`; with a matching `If-None-Match`, a
        304 and no body.
        """
        return conditional.answer(WRITE_COLLECTION(service.read(collection_id)))

    @blp.arguments(CollectionReplace, example=docs.REPLACE_EXAMPLE)
    @blp.response(200, CollectionOut, headers=ITEM_HEADERS)
    @blp.alt_response(409, "CONFLICT", description="It is Completed and would go back to Pending.")
    @blp.alt_response(412, "PRECONDITION_FAILED", description="If-Match no longer matches.")
    @blp.doc(**documents.CONDITIONAL_WRITE)
    def put(self, fields, collection_id):
        """Replace every field of a collection.

        Every field is needed, `status` included; `id` may be absent, null
        or the id in the path. With `If-Match`, only if it has not changed.
        """
        collection = service.replace(
            db.session, collection_id, fields, _locations(), conditional.expected()
        )
        return conditional.answer(WRITE_COLLECTION(service.as_row(collection)))

    @blp.arguments(CollectionPatch, example=docs.PATCH_EXAMPLE)
    @blp.response(200, CollectionOut, headers=ITEM_HEADERS)
    @blp.alt_response(409, "CONFLICT", description="It is Completed and would go back to Pending.")
    @blp.alt_response(412, "PRECONDITION_FAILED", description="If-Match no longer matches.")
    @blp.doc(**documents.CONDITIONAL_WRITE)
    def patch(self, changes, collection_id):
        """Change some fields of a collection.

        `status` only moves forward (Completed back to Pending is a 409); a
        new `location` must be active. With `If-Match`, only if it has not
        changed.
        """
        row = service.update(
            db.session, collection_id, changes, _locations(), conditional.expected()
        )
        return conditional.answer(WRITE_COLLECTION(row))

    @blp.response(204)
    @blp.alt_response(412, "PRECONDITION_FAILED", description="If-Match no longer matches.")
    @blp.doc(**documents.CONDITIONAL_WRITE)
    def delete(self, collection_id):
        """Delete a collection.

        It leaves the change feed as a delete; analytics stops counting it.
        With `If-Match`, only if it has not changed.
        """
        service.delete(db.session, collection_id, conditional.expected())


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
    chunks = transfer.export_csv(query, max_rows)
    disposition = 'attachment; filename="collections.csv"'
    return Response(chunks, mimetype="text/csv", headers={"Content-Disposition": disposition})
