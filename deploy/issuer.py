"""The embedded identity provider: tokens for the services themselves.

What `make run` runs instead of Keycloak, Auth0 or Entra ID, and the same
protocol, so a service gets its token the same way from either:

- `POST /token`: the OAuth 2.0 client credentials grant (RFC 6749 section
  4.4). The client authenticates with HTTP Basic or `client_id` and
  `client_secret` in the form; `scope` may narrow its scopes. Answers
  `{"access_token", "token_type": "Bearer", "expires_in", "scope"}`, or an
  RFC 6749 5.2 error.
- `GET /.well-known/jwks.json`: the public keys (what JWKS_URL points at).

Settings (environment): KEYS_DIR (deploy/keys.py's folder; its newest key
signs) and CLIENT_SECRET_<CLIENT> for each client in keys.CLIENTS. Run
under gunicorn: `gunicorn "deploy.issuer:create_app()"`.
"""

import hmac
import json
import os
from pathlib import Path

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from deploy import keys


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class Issuer:
    def __init__(self, keys_dir: Path, secrets: dict[str, str]):
        self.keys_dir, self.secrets = keys_dir, secrets

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._route(request)
        except OAuthError as error:
            response = _json(
                {"error": error.error, "error_description": error.description}, error.status
            )
            if error.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="waste-collection"'
        except HTTPException as error:
            response = _json(
                {"error": "not_found", "error_description": error.description}, error.code
            )
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        if request.path == "/.well-known/jwks.json":
            if request.method not in ("GET", "HEAD"):
                raise MethodNotAllowed(["GET", "HEAD"])
            return Response((self.keys_dir / "jwks.json").read_bytes(), mimetype="application/json")
        if request.path == "/token":
            if request.method != "POST":
                raise MethodNotAllowed(["POST"])
            return self._token(request)
        raise NotFound()

    def _token(self, request: Request) -> Response:
        if request.form.get("grant_type") != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", "Only client_credentials is granted.")
        client = self._client(request)
        allowed = keys.CLIENTS[client].split()
        asked = request.form.get("scope", "").split() or allowed
        if not set(asked) <= set(allowed):
            raise OAuthError(400, "invalid_scope", f"{client} may have only: {' '.join(allowed)}.")
        scope = " ".join(asked)
        token = keys.mint(self.keys_dir, client, scope, keys.SERVICE_TOKEN_SECONDS)
        body = {
            "access_token": token,
            # The token type's name (RFC 6750), not a secret.
            "token_type": "Bearer",  # nosec B105
            "expires_in": keys.SERVICE_TOKEN_SECONDS,
            "scope": scope,
        }
        response = _json(body, 200)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _client(self, request: Request) -> str:
        """The client that authenticated (RFC 6749 2.3.1), or a 401."""
        if request.authorization and request.authorization.type == "basic":
            client, secret = request.authorization.username, request.authorization.password
        else:
            client, secret = request.form.get("client_id"), request.form.get("client_secret")
        expected = self.secrets.get(client or "")
        if not expected or not hmac.compare_digest(expected, secret or ""):
            raise OAuthError(401, "invalid_client", "Unknown client or wrong secret.")
        return client


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def create_app() -> Issuer:
    """The issuer from the environment (KEYS_DIR, CLIENT_SECRET_<CLIENT>)."""
    keys_dir = Path(os.environ["KEYS_DIR"])
    keys.ensure(keys_dir)
    secrets = {
        client: os.environ[f"CLIENT_SECRET_{client.upper()}"]
        for client in keys.CLIENTS
        if os.environ.get(f"CLIENT_SECRET_{client.upper()}")
    }
    return Issuer(keys_dir, secrets)
