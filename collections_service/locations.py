"""Asks the locations service whether a collection may name a location.

Calls go through the gateway's internal listener, so a blue-green swap of
locations moves them too, with service_kit's bounded client: one deadline
under 2 s for everything, one retry (GETs are idempotent), and one shared
request for callers asking the same thing at once. Positive answers are
cached for `cache_ttl` seconds (LOCATIONS_CACHE_TTL), so a burst of
collections for one place costs one lookup per process; unknown or archived
names are never cached, so a location created a moment ago is found.
"""

import logging
import threading
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from cachetools import TTLCache

from service_kit.web.errors import Unprocessable
from service_kit.web.outbound import BoundedClient, Unanswered, unavailable

log = logging.getLogger(__name__)

MAX_NAMES_PER_LOOKUP = 1000  # the locations list's largest page


class UnknownLocation(Unprocessable):
    def __init__(self, name: str):
        message = f"No active location is named {name!r} (unknown or archived)."
        super().__init__(message, errors={"location": [message]})


class LocationDirectory:
    """The locations service, as collections sees it: active names."""

    def __init__(self, base_url: str, cache_ttl: float, client: BoundedClient):
        self.url = f"{base_url.rstrip('/')}/api/v1/locations"
        self.client = client
        self.active: TTLCache = TTLCache(maxsize=10_000, ttl=cache_ttl)
        self.guard = threading.Lock()

    def require_active(self, name: str) -> None:
        """Return if `name` is an active location; raise 422 if not, 503 if unsure."""
        if not self._known(name) and name not in self._fetch_active([name]):
            raise UnknownLocation(name)

    def inactive_among(self, names: Iterable[str]) -> set[str]:
        """The names that are not active locations, asking once per batch of
        names not already known (a bulk import costs a lookup or two)."""
        unknown = sorted({name for name in names if not self._known(name)})
        inactive: set[str] = set()
        for batch in _batches(unknown):
            inactive |= set(batch) - self._fetch_active(batch)
        return inactive

    def _known(self, name: str) -> bool:
        with self.guard:
            return name in self.active

    def _fetch_active(self, names: list[str]) -> set[str]:
        """Ask the locations service which of `names` are active; cache those."""
        params = [("name", name) for name in names] + [("limit", str(len(names)))]
        try:
            answer = self.client.get_json(self.url, params)
        except Unanswered as error:
            log.warning("locations lookup failed: %s", error)
            raise unavailable(
                "locations", "the location could not be checked and nothing was stored"
            ) from error
        if not isinstance(answer, list):
            log.warning("locations lookup answered something other than a list")
            raise unavailable(
                "locations", "the location could not be checked and nothing was stored"
            )
        found = {item.get("name") for item in answer if isinstance(item, dict)}
        with self.guard:
            for name in found & set(names):
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
