"""Request ids, one JSON log line per request, and the JSON-only body rule."""

import functools
import json
import logging
import re
import time
import uuid

from flask import Flask, current_app, g, has_request_context, request
from werkzeug.exceptions import BadRequest, NotAcceptable, UnsupportedMediaType

from service_kit.web.errors import PROBLEM_JSON

REQUEST_ID_HEADER = "X-Request-ID"
# Same rule as the gateway's: keep a client's id only when it is short and plain.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}

access_log = logging.getLogger("access")


def current_request_id() -> str | None:
    """The id of the request being served, to pass on to other services."""
    return g.get("request_id") if has_request_context() else None


def _start_request() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex


def accepts(*mimetypes: str):
    """Mark a view method as taking these body types besides JSON."""

    def mark(view):
        view.accepted_types = frozenset(mimetypes)
        return view

    return mark


def body_limit(most: int):
    """A view taking bodies up to `most` bytes (the app's default is 1 MiB);
    outermost, so nothing reads the body before the limit is set."""

    def wrap(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            request.max_content_length = most
            return view(*args, **kwargs)

        return limited

    return wrap


def produces(*mimetypes: str):
    """Mark a view method as answering these types besides JSON (by Accept)."""

    def mark(view):
        view.produced_types = tuple(mimetypes)
        return view

    return mark


def _view_method():
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, request.method.lower(), None) if view_class else view


def _accepted_types() -> frozenset[str]:
    return getattr(_view_method(), "accepted_types", frozenset())


def json_body():
    """The request body as JSON; a body Python cannot read (malformed, too deep,
    over-long numbers) is a 400, never a 500."""
    try:
        return json.loads(request.get_data())
    except (ValueError, RecursionError) as error:
        raise BadRequest("Invalid JSON body.") from error


def _require_json() -> None:
    """Refuse a body that is not JSON before any view reads it (415)."""
    if request.method not in _BODY_METHODS or request.routing_exception is not None:
        return  # unknown routes and methods get their 404/405 first
    mimetype = request.mimetype
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return
    accepted = _accepted_types()
    if mimetype in accepted:
        return
    types = " or ".join(["application/json", *sorted(accepted)])
    raise UnsupportedMediaType(f"Send the body as {types} (got {mimetype or 'no content type'}).")


def _negotiate() -> None:
    """Refuse a request whose Accept rules out every type the route answers (406)."""
    if request.routing_exception is not None or "Accept" not in request.headers:
        return
    offered = ["application/json", *getattr(_view_method(), "produced_types", ())]
    if request.accept_mimetypes.best_match([*offered, PROBLEM_JSON]) is None:
        raise NotAcceptable(f"This route answers {' or '.join(offered)}.")


def log_quietly() -> None:
    """Log this request's line at DEBUG, not INFO: a routine one that says
    nothing (a follower's poll of the feed that found no change)."""
    g.quiet = True


def _finish_request(response):
    response.headers[REQUEST_ID_HEADER] = g.request_id
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    access_log.log(
        logging.DEBUG if g.get("quiet") else logging.INFO,
        "request",
        extra={
            "request_id": g.request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed_ms, 2),
            # Who: the token's subject (access/guard.py), never the token.
            "sub": g.get("subject"),
        },
    )
    return response


def install(app: Flask) -> None:
    """Give every request an id and log each request once."""
    app.before_request(_start_request)
    app.after_request(_finish_request)


def install_content_rules(app: Flask) -> None:
    """Refuse bodies that are not JSON and Accept headers no answer meets
    (after access: a caller without a token learns nothing about the route
    but that it needs one)."""
    app.before_request(_require_json)
    app.before_request(_negotiate)
