"""Catch up with the collections change feed, within a time budget.

Every query calls `catch_up` first, so an answer includes every write that
was acknowledged before it (read-your-writes); a larger backlog is left to
later requests and to the follow loop: a thread of the web worker (started
by gunicorn.conf.py) or the `follow` command. When collections cannot be
reached the replica answers as it is, marked stale.

Calls at the same time share catch-ups, as a group commit shares a flush:
a call needs one that starts after it was made, so it waits for the one
under way (which began before it) to end, then all those waiting share the
next: one read of the feed answers many queries.
"""

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable
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
# A backlog larger than this leaves the monthly rollups behind until it is
# applied: building them once from the facts costs less (rollups.py).
DEFER_MONTHLY_ABOVE = 100_000
# Seconds this process trusts its own record of the replica's position: a
# round that finds nothing new then needs no query of its database.
TRUST_SECONDS = 1.0


@dataclass(frozen=True)
class Freshness:
    data_as_of: datetime | None
    stale: bool
    position: int = 0
    caught_up: bool = False
    # Whether the monthly rollups are in step with the replica (rollups.py).
    monthly: bool = False


class Rounds:
    """Catch-ups shared by the calls that need one (a group commit)."""

    def __init__(self):
        self.changed = threading.Condition()
        self.started = 0  # rounds begun
        self.finished = 0  # rounds ended
        self.running = False
        self.outcome: Freshness | BaseException | None = None  # the last round's

    def join(self, catch_up: Callable[[], Freshness], deadline: float) -> Freshness | None:
        """The outcome of a round begun after this call (led by this call if
        none is under way); None if none ended by `deadline`."""
        with self.changed:
            needed = self.started + 1
            while self.finished < needed:
                if not self.running:
                    self.running, self.started = True, self.started + 1
                    break
                if not self.changed.wait(timeout=max(0.0, deadline - time.monotonic())):
                    return None
            else:
                return _outcome(self.outcome)
            leading = self.started
        try:
            outcome = catch_up()
        except BaseException as error:  # every call that shared the round learns of it
            outcome = error
        with self.changed:
            self.running, self.finished, self.outcome = False, leading, outcome
            self.changed.notify_all()
        return _outcome(outcome)


def _outcome(outcome: Freshness | BaseException | None) -> Freshness:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class Follower:
    def __init__(
        self,
        collections_url: str,
        sessions: sessionmaker,
        client: BoundedClient,
        page: int = PAGE,
        batch: int = BATCH,
        defer_monthly_above: int = DEFER_MONTHLY_ABOVE,
    ):
        self.url = f"{collections_url.rstrip('/')}/internal/v1/collections/changes"
        self.sessions = sessions
        self.client = client
        self.page = page
        self.batch = batch
        self.defer_monthly_above = defer_monthly_above
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="feed-reader")
        self.stopping = threading.Event()
        self.rounds = Rounds()
        # Where the replica is, as this process last read or left it (and when).
        self.seen: tuple[int, datetime | None, bool, float] | None = None
        # The feed's newest position, as last read.
        self.head = 0

    def forget(self) -> None:
        """Read the replica's position from its database at the next round (it
        was changed behind this process's back: a restore, a test's reset)."""
        self.seen = None

    def catch_up(self, budget: float) -> Freshness:
        """Apply batches of changes until none are left or `budget` seconds
        are spent, in a round shared with the calls made meanwhile. Past the
        budget while the round under way runs on (a feed that hangs, say):
        the replica as it is, marked stale (not confirmed with collections)."""
        deadline = time.monotonic() + budget
        shared = self.rounds.join(functools.partial(self._catch_up, deadline), deadline)
        if shared is not None:
            return shared
        return self._where(caught_up=False, stale=True)

    def _catch_up(self, deadline: float) -> Freshness:
        """One round. While one batch is applied, the next is already being
        read and prepared, so the collections service, this process and its
        database work at once."""
        ahead: tuple[int, Future] | None = None
        while True:
            after, as_of, monthly = self._position()
            try:
                if ahead is not None and ahead[0] == after:
                    batch, caught_up = ahead[1].result()
                else:
                    batch, caught_up = self._fetch(after, deadline)
            except (Unanswered, KeyError, TypeError) as error:
                log.warning("change feed unavailable: %s", error)
                return Freshness(as_of, stale=True, position=after, monthly=monthly)
            ahead = None
            if batch is not None and not caught_up and time.monotonic() < deadline:
                # In this context: the read ahead belongs to the query's trace.
                fetch = functools.partial(self._fetch, batch.head, deadline)
                ahead = (batch.head, self.reader.submit(contextvars.copy_context().run, fetch))
            if batch is None:
                metrics.caught_up(after)
                return Freshness(as_of, False, position=after, caught_up=True, monthly=monthly)
            self._apply(after, batch)
            if len(batch.changed) >= self.page:  # a large batch: give its memory back
                memory.trim()
            if caught_up or time.monotonic() >= deadline:
                return self._where(caught_up)

    def _where(self, caught_up: bool, stale: bool = False) -> Freshness:
        """The replica as it stands."""
        now, as_of, monthly = self._position()
        if caught_up:
            metrics.caught_up(now)
        return Freshness(as_of, stale, position=now, caught_up=caught_up, monthly=monthly)

    def _position(self) -> tuple[int, datetime | None, bool]:
        """The replica's position, the time of its newest change, and whether
        the monthly rollups are in step: as this process last saw them, read
        from the database again once they are a second old. (If another
        process moved the cursor meanwhile, the next batch read from the
        older position finds it moved and reads it again.)"""
        seen = self.seen
        if seen is None or time.monotonic() - seen[3] > TRUST_SECONDS:
            with self.sessions() as session:
                position, as_of, monthly = replica.position(session)
            self.seen = seen = (position, as_of, monthly, time.monotonic())
        return seen[:3]

    def build_monthly(self) -> bool:
        """Build the monthly rollups again if an older release left them
        behind the replica; whether it did (seconds at a million facts)."""
        with self.sessions() as session:
            built = replica.catch_up_monthly(session)
            session.commit()
        self.seen = None
        if built:
            log.info("the monthly rollups were behind the replica and were built again")
        return built

    def _fetch(self, after: int, deadline: float) -> tuple[replica.Batch | None, bool]:
        """The next batch after `after`, prepared (None if there is none); and
        whether that was all. Behind by more than `defer_monthly_above`
        changes, the batch leaves the monthly rollups behind."""
        changes, caught_up = self._read(after, deadline)
        if not changes:
            return None, caught_up
        monthly = self.head - after <= self.defer_monthly_above
        return replica.prepare(changes, monthly), caught_up

    def _read(self, after: int, deadline: float) -> tuple[list[dict], bool]:
        """Pages of changes after `after`, up to a batch; and whether that was all."""
        changes: list[dict] = []
        while len(changes) < self.batch:
            since = changes[-1]["position"] if changes else after
            body = self.client.get_json(
                self.url, [("after", str(since)), ("limit", str(self.page))], share=False
            )
            page = body["changes"]
            self.head = body["head"]
            metrics.read(self.head, after)
            changes += page
            if len(page) < self.page:
                return changes, True
            if time.monotonic() >= deadline:
                break
        return changes, False

    def _apply(self, after: int, batch: replica.Batch) -> None:
        with self.sessions() as session:
            if replica.apply(session, after, batch):
                session.commit()
                # Applied with the monthly rollups, they are in step (built if they were not).
                self.seen = (batch.head, batch.data_as_of, batch.monthly, time.monotonic())
            else:
                session.rollback()  # another process applied this page first
                self.seen = None

    def follow(self, pause: float = 0.5) -> None:
        """Apply the feed until `stop`; a database error is logged and retried
        after `pause` (the pool replaces connections a restart broke)."""
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                freshness = self.catch_up(budget=5.0)
                if freshness.caught_up and not freshness.monthly:
                    self.build_monthly()
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
