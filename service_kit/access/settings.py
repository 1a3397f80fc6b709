"""What a service needs to know to check tokens, and to get its own.

Read from the environment by each service's config (service_kit/config.py,
`access`); the defaults are the embedded identity provider's that `make run`
starts (deploy/keys.py, deploy/issuer.py), whose public keys are a file.
"""

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_ISSUER = "waste-collection-local"
AUDIENCE = "waste-collection"
EMBEDDED_JWKS_FILE = str(REPO_ROOT / "var" / "keys" / "jwks.json")
# Where `make run`'s identity provider answers (deploy/issuer.py).
# A URL.
EMBEDDED_TOKEN_URL = "http://127.0.0.1:5401/token"  # nosec B105


@dataclass(frozen=True)
class AccessSettings:
    # Tokens this service accepts: who issued them, for whom, signed with
    # which keys (a JWKS file, or the provider's JWKS URL).
    issuer: str = EMBEDDED_ISSUER
    audience: str = AUDIENCE
    jwks_file: str | None = EMBEDDED_JWKS_FILE
    jwks_url: str | None = None
    # Seconds between two loads of the JWKS (each on a key id not known).
    jwks_refresh: float = 60.0
    # Seconds a token's exp and nbf may be off by (clocks drift).
    clock_skew: float = 30.0
    # This service's own token, for calling other services (client
    # credentials, RFC 6749 4.4); none: its calls are refused (503, stale).
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
