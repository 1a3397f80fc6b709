"""Catch up with the collections change feed, within a time budget.

Every query calls `catch_up` first, so an answer includes every write that
was acknowledged before it (read-your-writes); a larger backlog is left to
later requests and to the follow loop: a thread of the web worker (started
by gunicorn.conf.py) or the `follow` command. When collections cannot be
reached the replica answers as it is, marked stale.
"""

import contextvars
import functools
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from analytics_service import metrics, replica
from service_kit import memory
from service_kit.web.outbound import BoundedClient, Unanswered

log = logging.getLogger(__name__)

PAGE = 10_000  # the feed's largest page
# Changes applied in one transaction: large batches fold many changes into
# each rollup row, which is most of the cost of a big backlog.
BATCH = 50_000


@dataclass(frozen=True)
class Freshness:
    data_as_of: datetime | None
    stale: bool
    position: int = 0
    caught_up: bool = False


class Follower:
    def __init__(
        self,
        collections_url: str,
        sessions: sessionmaker,
        client: BoundedClient,
        page: int = PAGE,
        batch: int = BATCH,
    ):
        self.url = f"{collections_url.rstrip('/')}/internal/v1/collections/changes"
        self.sessions = sessions
        self.client = client
        self.page = page
        self.batch = batch
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="feed-reader")
        self.stopping = threading.Event()

    def catch_up(self, budget: float) -> Freshness:
        """Apply batches of changes until none are left or `budget` seconds are spent.

        While one batch is applied, the next is already being read, so the
        collections service and this database work at the same time.
        """
        deadline = time.monotonic() + budget
        ahead: tuple[int, Future] | None = None
        while True:
            with self.sessions() as session:
                after, as_of = replica.position(session)
            try:
                if ahead is not None and ahead[0] == after:
                    changes, caught_up = ahead[1].result()
                else:
                    changes, caught_up = self._read(after, deadline)
            except (Unanswered, KeyError, TypeError) as error:
                log.warning("change feed unavailable: %s", error)
                return Freshness(as_of, stale=True, position=after)
            ahead = None
            if changes and not caught_up and time.monotonic() < deadline:
                following = changes[-1]["position"]
                # In this context: the read ahead belongs to the query's trace.
                read = functools.partial(self._read, following, deadline)
                ahead = (following, self.reader.submit(contextvars.copy_context().run, read))
            if not changes:
                metrics.caught_up(after)
                return Freshness(as_of, stale=False, position=after, caught_up=True)
            self._apply(after, changes)
            if len(changes) >= self.page:  # a large batch: give its memory back
                memory.trim()
            if caught_up or time.monotonic() >= deadline:
                with self.sessions() as session:
                    now, as_of = replica.position(session)
                if caught_up:
                    metrics.caught_up(now)
                return Freshness(as_of, stale=False, position=now, caught_up=caught_up)

    def _read(self, after: int, deadline: float) -> tuple[list[dict], bool]:
        """Pages of changes after `after`, up to a batch; and whether that was all."""
        changes: list[dict] = []
        while len(changes) < self.batch:
            since = changes[-1]["position"] if changes else after
            body = self.client.get_json(
                self.url, [("after", str(since)), ("limit", str(self.page))], share=False
            )
            page = body["changes"]
            metrics.read(body["head"], after)
            changes += page
            if len(page) < self.page:
                return changes, True
            if time.monotonic() >= deadline:
                break
        return changes, False

    def _apply(self, after: int, changes: list[dict]) -> None:
        with self.sessions() as session:
            if replica.apply(session, after, changes):
                session.commit()
            else:
                session.rollback()  # another process applied this page first

    def follow(self, pause: float = 0.5) -> None:
        """Apply the feed until `stop`; a database error is logged and retried
        after `pause` (the pool replaces connections a restart broke)."""
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                freshness = self.catch_up(budget=5.0)
            except SQLAlchemyError as error:
                log.error("applying the change feed failed, retrying: %s", error)
                self.stopping.wait(pause)
                continue
            if freshness.stale or time.monotonic() - started < 0.05:
                self.stopping.wait(pause)

    def follow_in_background(self, pause: float) -> threading.Thread:
        """Run `follow` in a daemon thread of this process.

        A thread rather than a process of its own: a second interpreter with
        the same imports cost ~80 MB. A process ending mid-batch loses
        nothing: the batch's transaction rolls back and is applied again.
        """
        thread = threading.Thread(
            target=self.follow, args=(pause,), name="feed-follower", daemon=True
        )
        thread.start()
        return thread

    def stop(self) -> None:
        """End `follow` after the batch it is applying."""
        self.stopping.set()
