"""GET /internal/v1/collections/changes: the change feed, for followers only.

The gateway serves /internal/ on its internal listener alone.
"""

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from marshmallow import validate

from collections_service import feed
from collections_service.schemas import CollectionOut
from service_kit.access.scopes import Scopes
from service_kit.web import requests
from service_kit.web.api import Blueprint
from service_kit.web.fields import QueryInteger, UtcDateTime, format_utc, utc_for_orjson

MAX_CHANGES = 10_000
# Reaching the internal listener is not permission: followers hold this scope.
FEED_SCOPE = "collections:feed"

feed_blp = Blueprint(
    "feed",
    __name__,
    url_prefix="/internal/v1/collections",
    description="The change feed of collections (internal).",
    scopes=Scopes(FEED_SCOPE, read_means="Read the change feed of collections (internal)."),
)


class FeedQuery(ma.Schema):
    after = QueryInteger(digits=18, load_default=0, validate=validate.Range(min=0, max=10**18 - 1))
    limit = QueryInteger(load_default=1000, validate=validate.Range(min=1, max=MAX_CHANGES))


class ChangeOut(ma.Schema):
    """One insert, update or delete, at its position in the feed."""

    position = ma.fields.Integer(required=True)
    collection_id = ma.fields.Integer(required=True)
    op = ma.fields.String(required=True, validate=validate.OneOf(("upsert", "delete")))
    collection = ma.fields.Nested(
        CollectionOut,
        required=True,
        allow_none=True,
        metadata={"description": "As written (an upsert); null for a delete."},
    )
    changed_at = UtcDateTime(required=True)


class ChangesOut(ma.Schema):
    changes = ma.fields.List(
        ma.fields.Nested(ChangeOut), required=True, metadata={"description": "Oldest first."}
    )
    head = ma.fields.Integer(required=True, metadata={"description": "The newest position."})


@feed_blp.route("/changes")
class Changes(MethodView):
    @feed_blp.arguments(FeedQuery, location="query")
    @feed_blp.response(200, ChangesOut)
    def get(self, query):
        """Read the change feed after a position.

        Positions never skip or reorder: a writer takes them in commit order,
        so a follower reading after N never misses one that commits late.
        """
        rows, head = feed.read(query["after"], query["limit"])
        if not rows:  # an idle poll: nothing to tell the log at INFO
            requests.log_quietly()
        # One transaction's changes share their time: format each time once.
        times = {moment: format_utc(moment) for moment in {row[-1] for row in rows}}
        body = {"changes": [_change(row, times) for row in rows], "head": head}
        return Response(current_app.json.dumps(body), mimetype="application/json")


def _change(row: tuple, times: dict) -> dict:
    """A change as the feed writes it, from its row (enums already as their
    text) and the formatted time of each transaction."""
    position, collection_id, op, location, waste_type, quantity, unit, when, status, at = row
    collection = None
    if op == "upsert":
        collection = {
            "id": collection_id,
            "location": location,
            "waste_type": waste_type,
            "quantity": quantity,
            "unit": unit,
            "collected_date": utc_for_orjson(when),
            "status": status,
        }
    return {
        "position": position,
        "collection_id": collection_id,
        "op": op,
        "collection": collection,
        "changed_at": times[at],
    }
