"""The analytics service's own metrics: how far its replica is behind the
collections feed, and how many answers were stale (docs/operations.md)."""

import time

from service_kit.telemetry import metrics

HEAD = metrics.gauge("analytics_feed_head_position", "The feed's newest position, last read.")
APPLIED = metrics.gauge(
    "analytics_feed_applied_position", "The last feed position applied to the replica."
)
LAG_POSITIONS = metrics.gauge(
    "analytics_feed_lag_positions", "Changes the replica was behind the feed's head, last read."
)
AT_HEAD = metrics.gauge(
    "analytics_feed_caught_up_timestamp_seconds",
    "When the replica last reached the feed's head (Unix time); the lag in seconds is"
    " time() minus this.",
)
STALE_ANSWERS = metrics.counter(
    "analytics_stale_answers_total",
    "Answers given from the replica alone, the collections feed unreachable.",
)


def start() -> None:
    """Series that count from zero exist from the start (a rate needs two points)."""
    STALE_ANSWERS.of()


def read(head: int, applied: int) -> None:
    """A read of the feed: its head, and where the replica stood."""
    HEAD.of().set(head)
    APPLIED.of().set(applied)
    LAG_POSITIONS.of().set(max(0, head - applied))


def caught_up(position: int) -> None:
    APPLIED.of().set(position)
    LAG_POSITIONS.of().set(0)
    AT_HEAD.of().set(time.time())


def stale_answer() -> None:
    STALE_ANSWERS.of().inc()
