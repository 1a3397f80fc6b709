"""Asks the locations service whether a collection may name a location.

Calls go through the gateway's internal listener, so a blue-green swap of
locations moves them too. Each lookup is bounded (well under 2 s, retries
included) and retried only because a GET is idempotent. Positive answers are
cached for `cache_ttl` seconds (LOCATIONS_CACHE_TTL), so a burst of
collections for one place costs one lookup per process; unknown or archived
names are never cached, so a location created a moment ago is found.
"""

import logging
import threading

import requests
from cachetools import TTLCache
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from service_kit.errors import DependencyUnavailable, Unprocessable
from service_kit.requests import REQUEST_ID_HEADER, current_request_id

log = logging.getLogger(__name__)

# Connect, then read. Worst case: a connect timeout, its retry, then a full
# read: 0.3 + 0.05 + 0.3 + 1.2 = 1.85 s.
TIMEOUT = (0.3, 1.2)
RETRY = Retry(
    total=1,
    connect=1,
    read=0,
    status=1,
    other=0,
    status_forcelist=(502, 503, 504),
    allowed_methods=frozenset({"GET"}),
    backoff_factor=0.05,
    raise_on_status=False,
)


class UnknownLocation(Unprocessable):
    def __init__(self, name: str):
        message = f"No active location is named {name!r} (unknown or archived)."
        super().__init__(message, errors={"location": [message]})


class LocationDirectory:
    """The locations service, as collections sees it: active names."""

    def __init__(self, base_url: str, cache_ttl: float, pool_size: int = 8):
        self.url = f"{base_url.rstrip('/')}/api/v1/locations"
        self.http = requests.Session()
        adapter = HTTPAdapter(max_retries=RETRY, pool_maxsize=pool_size)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self.active: TTLCache = TTLCache(maxsize=10_000, ttl=cache_ttl)
        self.guard = threading.Lock()
        self.lookups: dict[str, threading.Lock] = {}

    def require_active(self, name: str) -> None:
        """Return if `name` is an active location; raise 422 if not, 503 if unsure."""
        if self._known(name):
            return
        with self._lookup_lock(name):
            # Threads that waited on this name's lookup find its answer here.
            if self._known(name):
                return
            try:
                self._look_up(name)
            finally:
                with self.guard:
                    self.lookups.pop(name, None)

    def _known(self, name: str) -> bool:
        with self.guard:
            return name in self.active

    def _lookup_lock(self, name: str) -> threading.Lock:
        with self.guard:
            return self.lookups.setdefault(name, threading.Lock())

    def _look_up(self, name: str) -> None:
        request_id = current_request_id()
        headers = {REQUEST_ID_HEADER: request_id} if request_id else {}
        try:
            response = self.http.get(
                self.url, params={"name": name, "limit": 1}, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as error:
            log.warning("locations lookup failed: %s", error)
            raise _unavailable() from error
        if response.status_code != 200:
            log.warning("locations lookup answered %s", response.status_code)
            raise _unavailable()
        if not response.json():
            raise UnknownLocation(name)
        with self.guard:
            self.active[name] = True


def _unavailable() -> DependencyUnavailable:
    return DependencyUnavailable(
        "The locations service did not answer in time, so the location could not be "
        "checked; nothing was stored. Try again shortly."
    )
