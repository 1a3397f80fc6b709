"""Clients sending a mix of reads and writes through the gateway while a test
changes the system under them, keeping every answer for the test to check."""

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from conftest import bearer_session
from tests.conftest import http

COLLECTIONS = "/api/v1/collections"


@dataclass
class Answer:
    what: str
    status: int  # 0: no HTTP answer (the error says why)
    seconds: float
    error: str = ""
    started: float = 0.0  # time.monotonic()


@dataclass
class Record:
    """Everything the clients sent and got, shared by their threads."""

    answers: list[Answer] = field(default_factory=list)
    # Collections acknowledged with a 201: id -> quantity sent.
    created: dict[int, float] = field(default_factory=dict)
    completed: set[int] = field(default_factory=set)
    places: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status == 0 or a.status >= 500]

    def p99_ms(self) -> float:
        times = sorted(a.seconds for a in self.answers)
        return times[min(len(times) - 1, int(len(times) * 0.99))] * 1000


class Traffic:
    """`clients` threads, each looping over the mix until stopped."""

    def __init__(
        self,
        base_url: str,
        location: str,
        location_id: int,
        clients: int = 6,
        pause: float = 0,
        token: str | None = None,
    ):
        """`pause`: seconds each client waits between requests (0: none);
        `token`: what the clients send (the tester's by default)."""
        self.base = base_url
        self.location = location
        self.location_id = location_id
        self.pause = pause
        self.token = token
        self.record = Record()
        self._stop = threading.Event()
        # Unique quantities: a write stored twice would show as a repeated value.
        self._quantities = itertools.count(1)
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _client(self) -> None:
        session = bearer_session(self.token) if self.token else http.session()
        mine: list[int] = []
        steps = itertools.cycle(
            [self._create, self._read, self._complete, self._list, self._place, self._summary]
        )
        for step in steps:
            if self._stop.wait(self.pause) if self.pause else self._stop.is_set():
                return
            step(session, mine)

    def _send(self, session, what: str, method: str, path: str, **options):
        started = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=30, **options)
        except requests.RequestException as error:
            answer = Answer(what, 0, time.monotonic() - started, str(error), started)
            response = None
        else:
            answer = Answer(what, response.status_code, time.monotonic() - started, "", started)
        with self.record.lock:
            self.record.answers.append(answer)
        return response

    def _create(self, session, mine: list[int]) -> None:
        with self.record.lock:
            quantity = next(self._quantities) / 1000
        body = {
            "location": self.location,
            "waste_type": "Glass",
            "quantity": quantity,
            "unit": "Kg",
            "collected_date": "2026-05-01T08:00:00Z",
        }
        response = self._send(session, "create", "POST", COLLECTIONS, json=body)
        if response is not None and response.status_code == 201:
            mine.append(response.json()["id"])
            with self.record.lock:
                self.record.created[mine[-1]] = quantity

    def _read(self, session, mine: list[int]) -> None:
        if mine:
            self._send(session, "read", "GET", f"{COLLECTIONS}/{mine[-1]}")

    def _complete(self, session, mine: list[int]) -> None:
        if not mine:
            return
        collection_id = mine[-1]
        body = {"status": "Completed"}
        response = self._send(
            session, "complete", "PATCH", f"{COLLECTIONS}/{collection_id}", json=body
        )
        if response is not None and response.status_code == 200:
            with self.record.lock:
                self.record.completed.add(collection_id)

    def _list(self, session, mine: list[int]) -> None:
        params = {"location": self.location, "limit": 20}
        self._send(session, "list", "GET", COLLECTIONS, params=params)

    def _place(self, session, mine: list[int]) -> None:
        if len(mine) % 5:
            self._send(session, "location", "GET", f"/api/v1/locations/{self.location_id}")
            return
        name = f"Swap Yard {uuid.uuid4().hex[:12]}"
        body = {"name": name, "location_type": "DropOff", "zone": "Swap"}
        response = self._send(session, "add location", "POST", "/api/v1/locations", json=body)
        if response is not None and response.status_code == 201:
            with self.record.lock:
                self.record.places.append(name)

    def _summary(self, session, mine: list[int]) -> None:
        params = {"location": self.location}
        self._send(session, "summary", "GET", "/api/v1/analytics/summary", params=params)
