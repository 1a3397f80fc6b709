"""Answers kept for as long as they are right: until the replica moves.

An answer depends on its question, on where the replica stands (every
change applied moves its position), on whether the monthly rollups were in
step, and for questions about places or zones on the copy of the places.
Kept under all of those, an answer is given again without a query while
none of them changes: a dashboard refreshed, several planners on one view.
A write moves the position, so the next question after it is answered
afresh; a stale answer is never kept.

At most MAX_ROWS rows are kept in all (a row: a period, a place, a zone),
the least recently used going first, so a few long daily series cannot
hold much memory.
"""

import threading

from cachetools import LRUCache

MAX_ROWS = 20_000
# An answer with more rows than this is not kept at all.
MAX_ROWS_EACH = 2_000


class Answers:
    def __init__(self, max_rows: int = MAX_ROWS):
        self.kept: LRUCache = LRUCache(maxsize=max_rows, getsizeof=_rows)
        self.guard = threading.Lock()

    def get(self, key: tuple) -> dict | None:
        with self.guard:
            return self.kept.get(key)

    def keep(self, key: tuple, answer: dict) -> None:
        if _rows(answer) <= MAX_ROWS_EACH:
            with self.guard:
                self.kept[key] = answer


def _rows(answer: dict) -> int:
    listed = (answer.get(name) for name in ("periods", "locations", "zones"))
    return 1 + sum(len(rows) for rows in listed if rows is not None)


def question(query: dict) -> tuple:
    """A query as its schema loaded it, as a key: lists become tuples."""
    return tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in query.items()
        )
    )
