"""Clients that write unique values through the gateway while a test breaks
things under them, keeping every attempt for the checks afterwards: which
writes were acknowledged, which failed, and when each started."""

import itertools
import threading
import time
from dataclasses import dataclass

import requests

from tests.conftest import http

COLLECTIONS = "/api/v1/collections"
IMPORT_ROWS = 3


@dataclass(frozen=True)
class Attempt:
    what: str  # create, import or summary
    quantities: tuple[float, ...]
    status: int  # 0: no HTTP answer
    started: float  # time.monotonic()
    seconds: float
    ids: tuple[int, ...] = ()
    stale: bool = False

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500

    @property
    def ended(self) -> float:
        return self.started + self.seconds


class Writers:
    """`clients` threads, each creating collections with quantities no other
    request sends, importing a few rows now and then, and reading the summary."""

    def __init__(self, base_url: str, location: str, clients: int = 4):
        self.base, self.location = base_url, location
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self) -> "Writers":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def acknowledged(self) -> dict[float, int]:
        """Every quantity a 201 acknowledged, with the id it was stored under."""
        found = {}
        for attempt in self.attempts:
            if attempt.status == 201:
                found.update(zip(attempt.quantities, attempt.ids, strict=True))
        return found

    def sent(self) -> set[float]:
        return {q for attempt in self.attempts for q in attempt.quantities}

    def imports(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.what == "import"]

    def between(self, start: float, end: float = float("inf")) -> list[Attempt]:
        """The attempts that started in [start, end) (time.monotonic())."""
        return [attempt for attempt in self.attempts if start <= attempt.started < end]

    def _client(self) -> None:
        session = http.session()
        for step in itertools.cycle([self._create, self._create, self._import, self._summary]):
            if self._stop.is_set():
                return
            step(session)

    def _quantities(self, count: int) -> tuple[float, ...]:
        with self.lock:
            return tuple(next(self._numbers) / 1000 for _ in range(count))

    def _body(self, quantity: float) -> dict:
        return {
            "location": self.location,
            "waste_type": "Metal",
            "quantity": quantity,
            "unit": "Kg",
            "collected_date": "2026-06-01T08:00:00Z",
        }

    def _create(self, session) -> None:
        quantities = self._quantities(1)
        response, attempt = self._send(session, "POST", COLLECTIONS, json=self._body(quantities[0]))
        ids = (response.json()["id"],) if attempt["status"] == 201 else ()
        self._keep("create", quantities, attempt, ids)

    def _import(self, session) -> None:
        quantities = self._quantities(IMPORT_ROWS)
        rows = [self._body(quantity) for quantity in quantities]
        response, attempt = self._send(session, "POST", f"{COLLECTIONS}/import", json=rows)
        ids: tuple[int, ...] = ()
        if attempt["status"] == 201:
            ranges = response.json()["id_ranges"]
            ids = tuple(i for first, last in ranges for i in range(first, last + 1))
        self._keep("import", quantities, attempt, ids)

    def _summary(self, session) -> None:
        path = f"/api/v1/analytics/summary?location={self.location}"
        response, attempt = self._send(session, "GET", path)
        stale = attempt["status"] == 200 and response.json()["stale"]
        self._keep("summary", (), attempt, (), stale)

    def _send(self, session, method: str, path: str, **options):
        started = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=15, **options)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 0
        return response, {"status": status, "started": started}

    def _keep(self, what: str, quantities, attempt: dict, ids, stale: bool = False) -> None:
        seconds = time.monotonic() - attempt["started"]
        with self.lock:
            self.attempts.append(
                Attempt(
                    what, quantities, attempt["status"], attempt["started"], seconds, ids, stale
                )
            )
