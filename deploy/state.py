"""Which colour of each service takes traffic, kept in run_dir/state.json.

The gateway's upstream files are rendered from this state, and every deploy
command changes it under one lock, so two commands never interleave.
"""

import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from deploy.platform import SERVICES, other

STATE_FILE = "state.json"
LOCK_FILE = "deploy.lock"


class Busy(RuntimeError):
    """Another deploy command holds the lock."""


@dataclass
class Release:
    """What a colour's release folder holds: which version of the code (the
    ref asked for, its commit, `git describe`), which environment (the key
    of its requirements), and when and by whom it was made."""

    version: str
    made_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    ref: str = ""
    commit: str = ""
    requirements: str = ""
    by: str = ""


@dataclass
class ServiceState:
    live: str = "blue"
    # The share of requests (1..99) the idle colour takes during a canary; 0: none.
    canary_percent: int = 0
    # The idle colour when it holds the release that was live before (a rollback target).
    previous: str | None = None
    releases: dict[str, Release] = field(default_factory=dict)

    @property
    def idle(self) -> str:
        return other(self.live)

    def weights(self) -> dict[str, int]:
        """Each colour taking traffic, with its share in percent."""
        if self.canary_percent:
            return {self.live: 100 - self.canary_percent, self.idle: self.canary_percent}
        return {self.live: 100}

    @classmethod
    def from_json(cls, saved: dict) -> "ServiceState":
        releases = {colour: Release(**release) for colour, release in saved["releases"].items()}
        return cls(**saved | {"releases": releases})


def load(run_dir: Path) -> dict[str, ServiceState]:
    """Every service's state; blue and nothing else for a service never seen."""
    path = run_dir / STATE_FILE
    saved = json.loads(path.read_text()) if path.exists() else {}
    return {
        service.name: ServiceState.from_json(saved[service.name])
        if service.name in saved
        else ServiceState()
        for service in SERVICES
    }


def save(run_dir: Path, states: dict[str, ServiceState]) -> None:
    """Replace the state file in one step (a crash leaves the old or the new)."""
    path = run_dir / STATE_FILE
    partial = path.with_suffix(".partial")
    text = json.dumps({name: dataclasses.asdict(s) for name, s in states.items()}, indent=2)
    partial.write_text(text + "\n")
    os.replace(partial, path)


@contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Hold the platform's deploy lock, or raise Busy at once."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / LOCK_FILE, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise Busy(f"another deploy command is running on {run_dir}") from error
        yield
