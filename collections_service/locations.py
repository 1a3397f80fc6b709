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
from collections.abc import Iterable, Iterator
from urllib.parse import quote

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


MAX_NAMES_PER_LOOKUP = 1000  # the locations list's largest page


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

    def inactive_among(self, names: Iterable[str]) -> set[str]:
        """The names that are not active locations, asking once per batch of
        names not already known (a bulk import costs a lookup or two)."""
        unknown = sorted({name for name in names if not self._known(name)})
        inactive: set[str] = set()
        for batch in _batches(unknown):
            found = self._fetch_active(batch)
            inactive |= set(batch) - found
        return inactive

    def _look_up(self, name: str) -> None:
        if name not in self._fetch_active([name]):
            raise UnknownLocation(name)

    def _fetch_active(self, names: list[str]) -> set[str]:
        """Ask the locations service which of `names` are active; cache those."""
        request_id = current_request_id()
        headers = {REQUEST_ID_HEADER: request_id} if request_id else {}
        params = [("name", name) for name in names] + [("limit", str(len(names)))]
        try:
            response = self.http.get(self.url, params=params, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            log.warning("locations lookup failed: %s", error)
            raise _unavailable() from error
        if response.status_code != 200:
            log.warning("locations lookup answered %s", response.status_code)
            raise _unavailable()
        found = {location["name"] for location in response.json()}
        with self.guard:
            for name in found:
                self.active[name] = True
        return found


def _batches(names: list[str], max_query_bytes: int = 6000) -> Iterator[list[str]]:
    """Split names so each lookup's URL stays well under the gateway's 8 KiB."""
    batch: list[str] = []
    size = 0
    for name in names:
        cost = len(quote(name)) + len("&name=")
        if batch and (size + cost > max_query_bytes or len(batch) == MAX_NAMES_PER_LOOKUP):
            yield batch
            batch, size = [], 0
        batch.append(name)
        size += cost
    if batch:
        yield batch


def _unavailable() -> DependencyUnavailable:
    return DependencyUnavailable(
        "The locations service did not answer in time, so the location could not be "
        "checked; nothing was stored. Try again shortly."
    )
