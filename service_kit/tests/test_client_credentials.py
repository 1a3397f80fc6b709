"""A service's own token, from the real embedded identity provider
(deploy/issuer.py under gunicorn): granted for just its scopes, kept until
renewal is due, kept through a provider outage while it lasts, refused
when the provider says no."""

import jwt
import pytest
import requests

from conftest import access_env
from deploy import keys
from service_kit.access.client import ClientCredentials, NoToken
from service_kit.access.tokens import Verifier
from service_kit.config import access


def credentials(keys_dir, issuer, client="collections", scopes="locations:read", secret=None):
    secret = secret or keys.client_secret(keys_dir, client)
    return ClientCredentials(f"{issuer}/token", client, secret, scopes)


def test_a_token_carries_the_clients_scopes_and_verifies(keys_dir, issuer):
    header = credentials(keys_dir, issuer).authorization()

    token = header.removeprefix("Bearer ")
    claims = Verifier(access(access_env(keys_dir))).verify(token)
    assert (claims.subject, claims.scopes) == ("collections", {"locations:read"})


def test_a_token_is_reused_until_its_renewal_is_due(keys_dir, issuer):
    source = credentials(keys_dir, issuer)
    first = source.authorization()

    assert source.authorization() == first
    source.renew_at = 0  # four fifths of its life have gone
    assert source.authorization() != first


def test_a_provider_outage_keeps_the_current_token_while_it_is_valid(keys_dir, issuer):
    source = credentials(keys_dir, issuer)
    first = source.authorization()

    source.url, source.renew_at = "http://127.0.0.1:1/token", 0

    assert source.authorization() == first


@pytest.mark.parametrize(
    ("client", "scopes", "secret"),
    [
        ("collections", "locations:read", "wrong"),
        ("collections", "locations:read locations:write", None),  # more than it may have
        ("analytics", "collections:write", None),
        ("nobody", "locations:read", "x"),
    ],
)
def test_no_token_is_had_when_the_provider_refuses(keys_dir, issuer, client, scopes, secret):
    with pytest.raises(NoToken):
        credentials(keys_dir, issuer, client, scopes, secret).authorization()


def test_the_provider_speaks_rfc_6749(keys_dir, issuer):
    secret = keys.client_secret(keys_dir, "analytics")
    form = {"grant_type": "client_credentials", "client_id": "analytics", "client_secret": secret}

    granted = requests.post(f"{issuer}/token", data=form, timeout=5)
    wrong_grant = requests.post(
        f"{issuer}/token", data=form | {"grant_type": "password"}, timeout=5
    )
    wrong_secret = requests.post(
        f"{issuer}/token",
        data={"grant_type": "client_credentials"},
        auth=("analytics", "x"),
        timeout=5,
    )
    fetched = requests.get(f"{issuer}/token", timeout=5)
    jwks = requests.get(f"{issuer}/.well-known/jwks.json", timeout=5).json()

    body = granted.json()
    assert (granted.status_code, body["token_type"], body["expires_in"]) == (200, "Bearer", 3600)
    assert body["scope"] == "collections:feed locations:read"
    assert granted.headers["Cache-Control"] == "no-store"
    assert jwt.get_unverified_header(body["access_token"])["kid"] in {
        k["kid"] for k in jwks["keys"]
    }
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    assert wrong_secret.headers["WWW-Authenticate"].startswith("Basic")
    assert fetched.status_code == 405
    assert all("d" not in key for key in jwks["keys"])  # public halves only
