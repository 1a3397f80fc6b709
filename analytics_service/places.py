"""The locations analytics knows: a cached copy of the locations service's list.

Fetched when older than the refresh interval, or when a question names a
place or zone the copy has never heard of. When the locations service cannot
be reached, the copy answers as it is.
"""

import logging
import threading
import time

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analytics_service.models import KnownLocation
from service_kit.web.outbound import BoundedClient, Unanswered

log = logging.getLogger(__name__)

PAGE = 1000
MIN_REFRESH_GAP = 2.0
MAX_PAGES = 50


class Places:
    def __init__(self, locations_url: str, refresh_every: float, client: BoundedClient):
        self.url = f"{locations_url.rstrip('/')}/api/v1/locations"
        self.refresh_every = refresh_every
        self.client = client
        self.fetched_at = float("-inf")
        self.guard = threading.Lock()
        # Moves at each refresh of the copy: answers about places kept
        # under an older one are not given again (answers.py).
        self.version = 0

    def due(self) -> bool:
        """Whether the copy is older than the refresh interval."""
        return time.monotonic() - self.fetched_at > self.refresh_every

    def known(
        self, session: Session, must_include: set[str] = frozenset(), zones: set[str] = frozenset()
    ) -> dict[str, KnownLocation]:
        """Every known location by name, refreshed first if old or missing something asked."""
        places = _load(session)
        known_zones = {place.zone for place in places.values()}
        missing = (must_include - set(places)) or (zones - known_zones)
        age = time.monotonic() - self.fetched_at
        # A name never heard of is a reason to ask again, but not on every query.
        due = age > self.refresh_every or (missing and age > MIN_REFRESH_GAP)
        if due and self._refresh(session):
            places = _load(session)
        return places

    def _refresh(self, session: Session) -> bool:
        """Fetch the list and merge it into the copy (the request commits it)."""
        with self.guard:
            try:
                fetched = self._fetch_all()
            except (Unanswered, KeyError, TypeError) as error:
                log.warning("locations unavailable, using the cached copy: %s", error)
                self.fetched_at = time.monotonic()  # try again after the interval
                return False
            self.fetched_at = time.monotonic()
        if fetched:
            # An upsert, not delete-then-insert: two processes refreshing at
            # once must not collide on the names.
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = dialect.insert(KnownLocation)
            columns = {name: statement.excluded[name] for name in _COLUMNS if name != "name"}
            session.execute(
                statement.on_conflict_do_update(index_elements=["name"], set_=columns), fetched
            )
        names = [place["name"] for place in fetched]
        session.execute(delete(KnownLocation).where(KnownLocation.name.not_in(names)))
        session.flush()
        self.version += 1
        return True

    def _fetch_all(self) -> list[dict]:
        """Active and archived locations, every page."""
        found: dict[str, dict] = {}
        for archived in ("false", "true"):
            params = [("archived", archived), ("limit", str(PAGE))]
            for page in self.client.get_pages(self.url, params, MAX_PAGES):
                for item in page:
                    found[item["name"]] = {key: item[key] for key in _COLUMNS}
        return list(found.values())


_COLUMNS = ("name", "zone", "location_type", "latitude", "longitude", "archived")


def _load(session: Session) -> dict[str, KnownLocation]:
    return {place.name: place for place in session.scalars(select(KnownLocation))}
