"""What every service's OpenAPI document states the same way, added to each
operation as it is documented (an apispec plugin; `Api` installs it):

- an `operationId`, `<blueprint>.<method><View>` (unique across services,
  so the gateway's merged document keeps them);
- every error the shared machinery can answer, as problem+json: 401, 403
  and 429 where a scope is needed, 404 where the path names an id, 400,
  413 and 415 where there is a body, 422 where there is input, 406 and 503
  everywhere (an Accept it cannot meet; the database or a dependency);
- the `X-Request-ID` every answer carries.

An operation's own answers (its 409s, 412s, a 304) its view states with
`alt_response`. The common responses and headers are components here.
"""

import http

import apispec

from service_kit.access import guard
from service_kit.web import conditional, idempotency

REQUEST_ID = "X-Request-ID"
RETRY_AFTER = "Retry-After"
HEADERS = {
    REQUEST_ID: {
        "description": "The request's id: the client's own (up to 128 plain characters)"
        " or a new one; the same id is in the logs and in every error body.",
        "schema": {"type": "string"},
    },
    RETRY_AFTER: {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'RFC 8288: `<...>; rel="next"` when more pages follow (a relative URL'
        " with an opaque cursor).",
        "schema": {"type": "string"},
    },
    "Location": {"description": "The URL of the new resource.", "schema": {"type": "string"}},
    "ETag": {
        "description": "A strong entity tag of the item as answered: send it back in"
        " If-Match (writes) or If-None-Match (reads).",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request"
        " with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
# Answers with a Retry-After (component responses named by HTTPStatus).
RETRY_LATER = {"TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE"}
BODY_METHODS = {"post", "put", "patch"}


def header_refs(*names: str) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


class DocumentPlugin(apispec.BasePlugin):
    def __init__(self, app):
        self.app = app

    def init_spec(self, spec: apispec.APISpec) -> None:
        super().init_spec(spec)
        for name, header in HEADERS.items():
            spec.components.header(name, header)

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None:
            return
        blueprint, _, view = rule.endpoint.rpartition(".")
        for method, operation in operations.items():
            operation.setdefault("operationId", f"{blueprint}.{method}{view}")
            responses = operation.setdefault("responses", {})
            for status in self._errors(blueprint, method, operation, rule):
                # A view's own answer for a status (keyed by int) comes first.
                if status not in responses and str(status) not in responses:
                    responses[str(status)] = _status_name(status)
            for response in responses.values():
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("headers", {}).update(header_refs(REQUEST_ID))

    def _errors(self, blueprint: str, method: str, operation: dict, rule) -> list[int]:
        # Any route answers 406 to an Accept it cannot meet (requests.py).
        found = [406, 503]
        if guard.needed_scope(self.app, blueprint, method.upper()):
            found += [401, 403, 429]
        if rule.arguments:
            found.append(404)
        if method in BODY_METHODS:
            found += [400, 413, 415, 422]
        if any(p.get("in") == "query" for p in operation.get("parameters", [])):
            found.append(422)
        return found


def _status_name(status: int) -> str:
    return http.HTTPStatus(status).name


def component_headers(status_name: str) -> dict:
    """The headers a shared error response carries."""
    names = [REQUEST_ID] + ([RETRY_AFTER] if status_name in RETRY_LATER else [])
    return header_refs(*names)


# For views' `@blp.doc(**...)` and `headers=`: the conditional and
# idempotent requests (conditional.py, idempotency.py).
IDEMPOTENT = {"parameters": [idempotency.HEADER_DOC]}
CONDITIONAL_READ = {"parameters": [conditional.IF_NONE_MATCH_DOC]}
CONDITIONAL_WRITE = {"parameters": [conditional.IF_MATCH_DOC]}
KEY_IN_USE = "The Idempotency-Key's first request still runs."
REPLAYED = header_refs("Idempotent-Replayed")
