"""Bearer tokens (RFC 6750): JWTs signed by the identity provider, verified here.

The algorithm is chosen by the key, never read from the token: an EC P-256
key verifies ES256, an RSA key RS256, and nothing else is accepted (so
`alg: none`, or HS256 signed with a public key as the secret, never
passes). Keys come from a JWKS, a file or a URL, loaded once and again only
when a token names a key id it lacks, at most every `refresh` seconds, or
once they are MAX_KEYS_AGE old (so a retired key stops verifying): never
per request. A verified token is remembered (a bounded cache, never
past its `exp`), so a client's next requests cost a dictionary lookup.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
import requests
from cachetools import TLRUCache

from service_kit.access.settings import AccessSettings
from service_kit.config import ConfigError

log = logging.getLogger(__name__)

REQUIRED_CLAIMS = ["iss", "aud", "exp", "sub", "scope"]
CACHED_TOKENS = 10_000
FETCH_SECONDS = 2.0
# However well known every kid is, the set is loaded again after this long,
# so a key the provider retired stops verifying (at most one load per period).
MAX_KEYS_AGE = 600.0


class InvalidToken(Exception):
    """The token cannot be trusted; the reason is for the log, never the client."""


@dataclass(frozen=True)
class Claims:
    subject: str
    scopes: frozenset[str]
    expires: float


def _algorithm(jwk: dict) -> str | None:
    """The one algorithm a key verifies, by its type (RFC 7518), or None."""
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        algorithm = "ES256"
    elif jwk.get("kty") == "RSA":
        algorithm = "RS256"
    else:
        return None
    return algorithm if jwk.get("alg", algorithm) == algorithm else None


class KeySet:
    """The identity provider's public keys by key id, from a JWKS file or URL."""

    def __init__(self, settings: AccessSettings):
        self.file = settings.jwks_file
        self.url = settings.jwks_url
        self.refresh = settings.jwks_refresh
        self.keys: dict[str, tuple[object, str]] = {}
        self.loaded_at = float("-inf")
        self.guard = threading.Lock()
        if not (self.file or self.url):
            raise ConfigError("no JWKS: set JWKS_FILE or JWKS_URL")
        if self.file:
            self._load()  # a missing or broken file fails the start, loudly

    def key(self, kid: str) -> tuple[object, str]:
        """The key and its algorithm for a key id; a kid not known is a
        reason to load the set again, if that was not done lately."""
        found = self.keys.get(kid)
        # An unknown kid always waits on the guard: a load under way (another
        # thread's, for the same new key) may be about to add it.
        if found is None or time.monotonic() - self.loaded_at >= MAX_KEYS_AGE:
            with self.guard:
                age = time.monotonic() - self.loaded_at  # another thread may have loaded
                if (kid not in self.keys and age >= self.refresh) or age >= MAX_KEYS_AGE:
                    self._load_or_keep()
            found = self.keys.get(kid)
        if found is None:
            raise InvalidToken(f"no key {kid!r} in the JWKS")
        return found

    def _load_or_keep(self) -> None:
        try:
            self._load()
        except (OSError, ValueError, requests.RequestException) as error:
            self.loaded_at = time.monotonic()
            log.warning("the JWKS could not be loaded, keeping the keys known: %s", error)

    def _load(self) -> None:
        self.loaded_at = time.monotonic()
        if self.file:
            document = json.loads(Path(self.file).read_text())
        else:
            response = requests.get(self.url, timeout=FETCH_SECONDS)
            response.raise_for_status()
            document = response.json()
        keys = {}
        for jwk in document.get("keys", []):
            algorithm = _algorithm(jwk)
            if algorithm and jwk.get("kid") and jwk.get("use", "sig") == "sig":
                keys[jwk["kid"]] = (jwt.PyJWK(jwk, algorithm).key, algorithm)
        self.keys = keys
        log.info("JWKS loaded: %d key(s)", len(keys))


class Verifier:
    """Checks a bearer token and returns what it grants."""

    def __init__(self, settings: AccessSettings):
        self.settings = settings
        self.keys = KeySet(settings)
        self.cache: TLRUCache = TLRUCache(
            maxsize=CACHED_TOKENS, ttu=lambda _token, claims, _now: claims.expires, timer=time.time
        )
        self.guard = threading.Lock()

    def verify(self, token: str) -> Claims:
        with self.guard:
            claims = self.cache.get(token)
        if claims is not None:
            return claims
        claims = self._verified(token)
        with self.guard:
            self.cache[token] = claims
        return claims

    def _verified(self, token: str) -> Claims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if not isinstance(kid, str):
                raise InvalidToken("the token names no key id")
            key, algorithm = self.keys.key(kid)
            payload = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.clock_skew,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(f"{type(error).__name__}: {error}") from error
        subject, scope = payload["sub"], payload["scope"]
        if not isinstance(subject, str) or not isinstance(scope, str):
            raise InvalidToken("sub and scope must be strings")
        return Claims(subject, frozenset(scope.split()), float(payload["exp"]))
