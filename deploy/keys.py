"""The embedded identity provider's keys and clients: what `make run` signs
tokens with, and what `make token` mints them from.

A folder (var/keys for `make run`), made the first time and never committed:

    signing/<created>-<kid>.pem  private EC P-256 keys, mode 0600; the newest signs
    jwks.json                    their public halves: what the services verify with
    clients.json                 each service's client secret, mode 0600

Rotation: `rotate` adds a key, which signs from then on, while the JWKS
keeps the old one, so tokens it signed stay valid until they expire;
`retire` then drops every key but the newest.
"""

import json
import os
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from service_kit.access.settings import AUDIENCE, EMBEDDED_ISSUER

# Every scope a client may hold (README, "Access"); a test checks this is
# exactly what the services' OpenAPI documents ask for.
SCOPES = (
    "collections:read",
    "collections:write",
    "locations:read",
    "locations:write",
    "analytics:read",
    "collections:feed",
)
# What each service may ask of the others: its client's scopes.
CLIENTS = {"collections": "locations:read", "analytics": "collections:feed locations:read"}
USER_TOKEN_SECONDS = 12 * 3600
SERVICE_TOKEN_SECONDS = 3600


def ensure(keys_dir: Path) -> None:
    """Make the folder, a signing key and the clients' secrets, if missing."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    (keys_dir / "signing").mkdir(mode=0o700, exist_ok=True)
    if not _key_files(keys_dir):
        _add_key(keys_dir)
    clients = keys_dir / "clients.json"
    if not clients.exists():
        _write_private(clients, json.dumps({name: secrets.token_urlsafe(32) for name in CLIENTS}))


def client_secret(keys_dir: Path, client: str) -> str:
    return json.loads((keys_dir / "clients.json").read_text())[client]


def mint(
    keys_dir: Path,
    subject: str,
    scopes: str = " ".join(SCOPES),
    seconds: int = USER_TOKEN_SECONDS,
    **claims,
) -> str:
    """A token signed by the newest key; `claims` add to or change the usual ones."""
    kid, key = signing_key(keys_dir)
    now = int(time.time())
    payload = {
        "iss": EMBEDDED_ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "scope": scopes,
        "iat": now,
        "nbf": now,
        "exp": now + seconds,
        "jti": uuid.uuid4().hex,
    } | claims
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": kid})


def signing_key(keys_dir: Path) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """The newest key and its id."""
    newest = _key_files(keys_dir)[-1]
    key = serialization.load_pem_private_key(newest.read_bytes(), password=None)
    return _kid(newest), key


def rotate(keys_dir: Path) -> str:
    """Add a key that signs from now on; the JWKS keeps the others. Returns its id."""
    return _add_key(keys_dir)


def retire(keys_dir: Path) -> list[str]:
    """Drop every key but the newest (once what they signed has expired)."""
    *old, _ = _key_files(keys_dir)
    for path in old:
        path.unlink()
    _write_jwks(keys_dir)
    return [_kid(path) for path in old]


def _key_files(keys_dir: Path) -> list[Path]:
    return sorted((keys_dir / "signing").glob("*.pem"))


def _kid(path: Path) -> str:
    return path.stem.partition("-")[2]


def _add_key(keys_dir: Path) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    kid = uuid.uuid4().hex[:16]
    created = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(keys_dir / "signing" / f"{created}-{kid}.pem", pem.decode())
    _write_jwks(keys_dir)
    return kid


def _write_jwks(keys_dir: Path) -> None:
    """The public keys, replaced in one step (services may be reading it)."""
    keys = []
    for path in _key_files(keys_dir):
        public = serialization.load_pem_private_key(path.read_bytes(), None).public_key()
        jwk = ECAlgorithm.to_jwk(public, as_dict=True) | {
            "kid": _kid(path),
            "use": "sig",
            "alg": "ES256",
        }
        keys.append(jwk)
    partial = keys_dir / "jwks.json.partial"
    partial.write_text(json.dumps({"keys": keys}, indent=2) + "\n")
    os.replace(partial, keys_dir / "jwks.json")


def _write_private(path: Path, text: str) -> None:
    """A file only its owner can read, from its first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
