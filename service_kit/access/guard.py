"""The one request hook that enforces access, and its OpenAPI description.

Before a view runs, the request's operation (its blueprint's scopes and its
method) says which scope it needs; the bearer token must verify and carry
it. No token or a bad one is a 401, a token without the scope a 403
(RFC 6750 section 3, with `WWW-Authenticate`); either way the view never
runs, so nothing changes. The token's subject goes into the access line.
"""

import logging

import apispec
from flask import Flask, current_app, g, request

from service_kit.access.tokens import InvalidToken, Verifier
from service_kit.web.errors import DomainError

log = logging.getLogger(__name__)

REALM = "waste-collection"
BEARER = "bearer "
# In the OpenAPI document: the header a request sends (`bearer`), and the
# OAuth 2.0 scopes that token must carry (`oauth2`); an operation needs both.
HEADER_SCHEME, SCOPES_SCHEME = "bearer", "oauth2"


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthorized"

    def __init__(self, token_sent: bool):
        if token_sent:
            detail = "The bearer token is not valid (malformed, expired, or not ours)."
            challenge = f'Bearer realm="{REALM}", error="invalid_token"'
        else:
            detail = "Send a bearer token: Authorization: Bearer <token>."
            challenge = f'Bearer realm="{REALM}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class InsufficientScope(DomainError):
    status = 403
    title = "Forbidden"

    def __init__(self, scope: str):
        challenge = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
        super().__init__(
            f"The token lacks the scope this operation needs: {scope}.",
            errors={"scope": [f"Needs {scope}."]},
            headers={"WWW-Authenticate": challenge},
        )


def needed_scope(app: Flask, blueprint: str | None, method: str) -> str | None:
    """The scope an operation needs; None when it is public."""
    scopes = getattr(app.blueprints.get(blueprint or ""), "scopes", None)
    return scopes.needed(method) if scopes is not None else None


def install(app: Flask, verifier: Verifier) -> None:
    """Check every request's token before its view runs."""
    app.extensions["access"] = verifier
    app.before_request(_check)


def _check() -> None:
    if request.routing_exception is not None:
        return  # unknown routes and methods get their 404/405
    scope = needed_scope(current_app, request.blueprint, request.method)
    if scope is None:
        return
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthenticated(token_sent=False)
    if header[: len(BEARER)].lower() != BEARER:
        raise Unauthenticated(token_sent=True)
    try:
        claims = current_app.extensions["access"].verify(header[len(BEARER) :].strip())
    except InvalidToken as error:
        log.info("token refused: %s", error)
        raise Unauthenticated(token_sent=True) from error
    g.subject = claims.subject
    if scope not in claims.scopes:
        raise InsufficientScope(scope)


class SecurityPlugin(apispec.BasePlugin):
    """States each operation's scope in the OpenAPI document (`security`),
    and its 401 and 403 answers, from the same table the hook enforces."""

    def __init__(self, app: Flask, token_url: str):
        self.app, self.token_url = app, token_url
        # Filled in as operations are documented (blueprints come after the spec).
        self.scopes: dict[str, str] = {}

    def init_spec(self, spec: apispec.APISpec) -> None:
        super().init_spec(spec)
        spec.components.security_scheme(
            HEADER_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Authorization: Bearer <JWT> (RFC 6750).",
            },
        )
        spec.components.security_scheme(
            SCOPES_SCHEME,
            {
                "type": "oauth2",
                "description": "The scopes the bearer token must carry (its `scope` claim).",
                "flows": {"clientCredentials": {"tokenUrl": self.token_url, "scopes": self.scopes}},
            },
        )

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None:
            return
        blueprint = rule.endpoint.rpartition(".")[0]
        for method, operation in operations.items():
            scope = needed_scope(self.app, blueprint, method.upper())
            if scope is None:
                continue
            self.scopes[scope] = self.app.blueprints[blueprint].scopes.meaning(scope)
            operation["security"] = [{HEADER_SCHEME: [], SCOPES_SCHEME: [scope]}]
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", "UNAUTHORIZED")
            responses.setdefault("403", "FORBIDDEN")
