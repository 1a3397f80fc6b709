"""Polling with a deadline, for the deploy commands' waits."""

import time
from collections.abc import Callable


def until(done: Callable[[], object], timeout: float, failure: str, every: float = 0.2) -> None:
    """Call `done` every `every` seconds until it returns something true;
    past `timeout` seconds raise TimeoutError("<failure> after <timeout>s")."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{failure} after {timeout:.0f}s")
        time.sleep(every)
