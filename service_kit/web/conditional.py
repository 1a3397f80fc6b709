"""Entity tags on items (RFC 9110 section 8.8.3 and 13): optimistic
concurrency for editors, and cheap re-reads.

An item's ETag is strong: a hash of its JSON representation, so it changes
exactly when the answer would. A GET with a matching If-None-Match is a 304
with no body. A write with If-Match runs only if the item, read under its
row lock, still has that tag (else 412, and nothing changes); without
If-Match a write behaves as it always has (the v1 contract).
"""

import hashlib

import orjson
from flask import current_app, request
from werkzeug.datastructures import ETags

from service_kit.web.errors import DomainError

IF_MATCH_DOC = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "Change the item only if its ETag is still this one (else 412).",
    "schema": {"type": "string"},
}
IF_NONE_MATCH_DOC = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "Answer 304, with no body, if the item's ETag is still this one.",
    "schema": {"type": "string"},
}


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition Failed"

    def __init__(self):
        super().__init__(
            "The item has changed since the ETag in If-Match; read it again.",
            errors={"If-Match": ["Does not match the item's current ETag."]},
        )


def etag(representation: dict) -> str:
    """The strong tag of an item as answered (its JSON, hashed)."""
    digest = hashlib.sha256(orjson.dumps(representation, option=orjson.OPT_UTC_Z))
    return f'"{digest.hexdigest()[:32]}"'


def expected() -> ETags | None:
    """The request's If-Match, or None when it sent none (a plain write)."""
    return request.if_match if "If-Match" in request.headers else None


def require(representation: dict, if_match: ETags | None) -> None:
    """Raise 412 unless the item, as it is now, matches If-Match."""
    # werkzeug's ETags hold tags unquoted; "*" matches any.
    if if_match is not None and not if_match.contains(etag(representation).strip('"')):
        raise PreconditionFailed()


def answer(representation: dict, status: int = 200):
    """The item's JSON with its ETag; a 304 when If-None-Match still matches."""
    tag = etag(representation)
    reading = status == 200 and request.method in ("GET", "HEAD")
    if reading and request.if_none_match.contains_weak(tag.strip('"')):
        response = current_app.response_class(status=304)
        response.headers["ETag"] = tag
        return response
    response = current_app.json.response(representation)
    response.status_code = status
    response.headers["ETag"] = tag
    return response
