"""The verifier against real keys (deploy/keys.py's) and a real JWKS server:
what it accepts, every forgery it refuses, when it loads keys again, and
that a cached token never outlives its exp."""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from deploy import keys
from service_kit.access.settings import AccessSettings
from service_kit.access.tokens import InvalidToken, Verifier
from service_kit.config import ConfigError


@pytest.fixture
def keys_dir(tmp_path):
    keys.ensure(tmp_path)
    return tmp_path


@pytest.fixture
def verifier(keys_dir) -> Verifier:
    return Verifier(AccessSettings(jwks_file=str(keys_dir / "jwks.json"), jwks_refresh=0))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, payload: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


def claims(**changes) -> dict:
    now = int(time.time())
    return {
        "iss": "waste-collection-local",
        "aud": "waste-collection",
        "sub": "crew-7",
        "scope": "collections:read",
        "iat": now,
        "exp": now + 600,
    } | changes


def forgeries(keys_dir) -> dict[str, str]:
    """Every way a token can be wrong, each made for real."""
    kid, key = keys.signing_key(keys_dir)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, claims())
    hs_signature = hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()
    good = keys.mint(keys_dir, "crew-7", "collections:read")
    head, payload, signature = good.split(".")
    raised = json.loads(base64.urlsafe_b64decode(payload + "==")) | {"scope": "collections:write"}
    stranger = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())
    return {
        "alg none": unsigned({"alg": "none", "kid": kid}, claims()) + ".",
        "HS256 with the public key as secret": f"{hs_input}.{b64(hs_signature)}",
        "expired": keys.mint(keys_dir, "crew-7", exp=now - 120, iat=now - 700, nbf=now - 700),
        "not yet valid": keys.mint(keys_dir, "crew-7", nbf=now + 300),
        "wrong audience": keys.mint(keys_dir, "crew-7", aud="someone-else"),
        "wrong issuer": keys.mint(keys_dir, "crew-7", iss="https://evil.example"),
        "unknown kid": jwt.encode(claims(), stranger, "ES256", headers={"kid": "nope"}),
        "a known kid, signed by another key": jwt.encode(claims(), stranger, "ES256", {"kid": kid}),
        "tampered payload": f"{head}.{b64(json.dumps(raised).encode())}.{signature}",
        "no scope claim": jwt.encode(
            {k: v for k, v in claims().items() if k != "scope"}, key, "ES256", {"kid": kid}
        ),
        "RS256 named for an EC key": jwt.encode(
            claims(), rsa.generate_private_key(65537, 2048), "RS256", {"kid": kid}
        ),
        "garbage": "not.a.token",
        "no kid": jwt.encode(claims(), key, "ES256"),
    }


def test_a_token_from_the_keys_is_accepted_with_its_subject_and_scopes(keys_dir, verifier):
    token = keys.mint(keys_dir, "crew-7", "collections:read analytics:read")

    found = verifier.verify(token)

    assert found.subject == "crew-7"
    assert found.scopes == {"collections:read", "analytics:read"}


FORGERIES = [
    "alg none",
    "HS256 with the public key as secret",
    "expired",
    "not yet valid",
    "wrong audience",
    "wrong issuer",
    "unknown kid",
    "a known kid, signed by another key",
    "tampered payload",
    "no scope claim",
    "RS256 named for an EC key",
    "garbage",
    "no kid",
]


def test_the_forgeries_are_those_listed(keys_dir):
    assert list(forgeries(keys_dir)) == FORGERIES


@pytest.mark.parametrize("forgery", FORGERIES)
def test_every_forgery_is_refused(keys_dir, verifier, forgery):
    with pytest.raises(InvalidToken):
        verifier.verify(forgeries(keys_dir)[forgery])


def test_a_cached_token_is_refused_once_it_expires(keys_dir):
    verifier = Verifier(
        AccessSettings(jwks_file=str(keys_dir / "jwks.json"), jwks_refresh=0, clock_skew=0)
    )
    token = keys.mint(keys_dir, "crew-7", seconds=1)
    assert verifier.verify(token).subject == "crew-7"

    time.sleep(1.5)

    with pytest.raises(InvalidToken, match="Expired"):
        verifier.verify(token)


def test_a_rotated_key_is_found_by_loading_the_file_again(keys_dir):
    verifier = Verifier(AccessSettings(jwks_file=str(keys_dir / "jwks.json"), jwks_refresh=0))
    old = keys.mint(keys_dir, "before")

    keys.rotate(keys_dir)
    new = keys.mint(keys_dir, "after")

    assert verifier.verify(new).subject == "after"
    assert verifier.verify(old).subject == "before"  # the JWKS keeps the old key


def test_no_jwks_at_all_refuses_to_start():
    with pytest.raises(ConfigError, match="JWKS"):
        Verifier(AccessSettings(jwks_file=None, jwks_url=None))


class Jwks(BaseHTTPRequestHandler):
    document: dict = {"keys": []}
    served = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        Jwks.served += 1
        body = json.dumps(Jwks.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def jwks_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Jwks.served = 0
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks"
    server.shutdown()


def test_a_jwks_url_is_fetched_again_only_for_an_unknown_kid_and_not_too_often(jwks_server):
    """An external provider's keys (RSA, as Keycloak and Entra sign): an
    unknown kid fetches again, but many of them within `refresh` fetch once."""
    rsa_key = rsa.generate_private_key(65537, 2048)
    jwk = RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True) | {"kid": "rsa-1"}
    Jwks.document = {"keys": []}
    verifier = Verifier(AccessSettings(jwks_file=None, jwks_url=jwks_server, jwks_refresh=60))
    token = jwt.encode(claims(), rsa_key, "RS256", headers={"kid": "rsa-1"})
    with pytest.raises(InvalidToken, match="no key"):
        verifier.verify(token)  # the first fetch finds nothing

    Jwks.document = {"keys": [jwk]}
    for _ in range(20):
        with pytest.raises(InvalidToken, match="no key"):
            verifier.verify(token)  # within the refresh interval: no fetch

    assert Jwks.served == 1
    verifier.keys.loaded_at -= 61
    assert verifier.verify(token).subject == "crew-7"
    assert Jwks.served == 2
