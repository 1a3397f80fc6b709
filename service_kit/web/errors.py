"""One error shape for every service: RFC 9457 problem+json."""

import logging
from http import HTTPStatus

import marshmallow as ma
from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger(__name__)
# RFC 9110's names where Python's table still has the older ones.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem body, as every error is returned.

    Extension members may follow (a bulk import lists its bad `rows`).
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True, metadata={"example": "about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Messages per field (or per location, then field)."},
    )
    request_id = ma.fields.String(required=True)


class DomainError(Exception):
    """Base of the small exception classes a service raises for its own rules."""

    status = 400
    title = "Bad Request"

    def __init__(
        self,
        detail: str,
        errors: dict | None = None,
        headers: dict | None = None,
        extensions: dict | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        # RFC 9457 extension members, for errors that need more than `errors`.
        self.extensions = extensions or {}


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class DependencyUnavailable(DomainError):
    """Another service did not answer in time: a 503 the client may retry."""

    status = 503
    title = "Service Unavailable"
    retry_after_seconds = 2

    def __init__(self, detail: str):
        super().__init__(detail, headers={"Retry-After": str(self.retry_after_seconds)})


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable Content"


def title(status: int) -> str:
    """RFC 9110's name for a status."""
    return _TITLES.get(status) or HTTPStatus(status).phrase


def problem_body(
    status: int,
    request_id: str,
    detail: str | None = None,
    errors: dict | None = None,
    extensions: dict | None = None,
) -> dict:
    """The one problem+json shape, whoever answers (a view, a hook, gunicorn)."""
    body = {
        "type": "about:blank",
        "title": title(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extensions or {})
    body["request_id"] = request_id
    return body


def problem(
    status: int,
    detail: str | None = None,
    errors: dict | None = None,
    headers=None,
    extensions: dict | None = None,
):
    """Build a problem+json response for the current request."""
    body = problem_body(status, g.get("request_id", ""), detail, errors, extensions)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_LOCATIONS = ("json", "query", "querystring", "view_args")
_WHOLE_BODY = ("_schema", "json")


def split_messages(messages: dict) -> tuple[dict[str, list[str]], list[str]]:
    """webargs/marshmallow messages as `{field: [text]}` plus whole-request texts.

    Nested shapes (a location level, list indexes) are flattened so `errors`
    always has API.md's shape, whatever library produced it.
    """
    if len(messages) == 1:
        ((location, inner),) = messages.items()
        if location in _LOCATIONS and isinstance(inner, dict):
            messages = inner
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    for key, value in messages.items():
        if key in _WHOLE_BODY:
            general += _texts(value)
        else:
            fields[str(key)] = _texts(value)
    return fields, general


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [f"item {key}: {text}" for key, inner in value.items() for text in _texts(inner)]
    if isinstance(value, list | tuple):
        return [text for inner in value for text in _texts(inner)]
    return [str(value)]


def _summary(fields: dict[str, list[str]], general: list[str]) -> str:
    """One readable sentence out of the messages, for `detail`."""
    parts = general + [f"{field}: {' '.join(texts)}" for field, texts in fields.items()]
    return " ".join(parts)


def handle_http_exception(error: HTTPException):
    """Turn Flask/werkzeug/webargs HTTP errors into problem+json."""
    if isinstance(error, InternalServerError):
        return handle_unexpected(error.original_exception or error)
    data = getattr(error, "data", None) or {}
    errors, general = split_messages(data["messages"]) if "messages" in data else ({}, [])
    if errors or general:
        detail = _summary(errors, general)
    else:
        detail = data.get("message") or error.description
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(error.code or 500, detail, errors, headers)


def handle_domain_error(error: DomainError):
    return problem(error.status, error.detail, error.errors, error.headers, error.extensions)


def handle_unexpected(error: BaseException):
    """A generic 500: the traceback goes to the log, never to the client."""
    log.error("unhandled error", exc_info=error)
    return problem(500, "The server could not complete the request.")


def install(app: Flask) -> None:
    """Register the handlers that make every error problem+json."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)


class IdMismatch(Unprocessable):
    """A PUT body's id names another resource than the path."""

    def __init__(self, path_id: int, body_id: int):
        super().__init__(
            f"id in the body ({body_id}) differs from the id in the path ({path_id}).",
            errors={"id": [f"Must be absent, null or {path_id}."]},
        )
