"""This service's own token, for calling other services: the OAuth 2.0
client credentials grant (RFC 6749 section 4.4) against the identity
provider's token endpoint, for just the scopes this service needs.

A token is fetched on first use and renewed once 80% of its life has gone,
so a call never waits for a renewal unless the endpoint was down through
the last fifth of a token's life. If no token can be had, the call fails
(the caller answers 503 or stale): a service never calls unauthenticated.
"""

import logging
import threading
import time

import requests

from service_kit.access.settings import AccessSettings

log = logging.getLogger(__name__)

FETCH_SECONDS = 1.0
RENEW_AT = 0.8


class NoToken(Exception):
    """The identity provider gave no token."""


class ClientCredentials:
    def __init__(self, token_url: str, client_id: str, client_secret: str, scopes: str):
        self.url, self.scopes = token_url, scopes
        self.credentials = (client_id, client_secret)
        self.http = requests.Session()
        self.token: str | None = None
        self.renew_at = self.expires_at = 0.0
        self.guard = threading.Lock()

    def authorization(self) -> str:
        """The Authorization header value for a call made now."""
        with self.guard:
            now = time.monotonic()
            if self.token is None or now >= self.renew_at:
                self._renew(now)
            return f"Bearer {self.token}"

    def _renew(self, now: float) -> None:
        try:
            response = self.http.post(
                self.url,
                data={"grant_type": "client_credentials", "scope": self.scopes},
                auth=self.credentials,
                timeout=FETCH_SECONDS,
            )
            response.raise_for_status()
            body = response.json()
            token, lifetime = body["access_token"], float(body["expires_in"])
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            if self.token is not None and now < self.expires_at:
                log.warning("token renewal failed, the current one still serves: %s", error)
                self.renew_at = now + 1.0  # try again soon, not on every call
                return
            raise NoToken(f"no token from {self.url}: {error}") from error
        self.token = token
        self.renew_at = now + lifetime * RENEW_AT
        self.expires_at = now + lifetime


def own_token(settings: AccessSettings, scopes: str) -> ClientCredentials | None:
    """This service's token source for these scopes; None when no token
    endpoint is configured (then the others refuse its calls)."""
    if not settings.token_url:
        log.warning("no TOKEN_URL: the other services will refuse this one's calls")
        return None
    return ClientCredentials(settings.token_url, settings.client_id, settings.client_secret, scopes)
