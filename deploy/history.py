"""The deploy log: every deploy, rollback, canary step and release decision,
one JSON object per line in run_dir/deploys.jsonl (var/run/deploys.jsonl for
`make run`), appended and never rewritten. `make history SERVICE=...` reads it.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from deploy.releases import deployer

LOG_FILE = "deploys.jsonl"


def record(run_dir: Path, service: str, action: str, outcome: str, **details) -> dict:
    """Append one event: what was done to which service, how it ended, and
    whatever else says what happened (colours, percent, version, figures)."""
    event = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "service": service,
        "action": action,
        "outcome": outcome,
        "by": deployer(),
        **details,
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(event, sort_keys=False) + "\n"
    # One write of one line to a file opened for appending: lines of two
    # commands never interleave.
    descriptor = os.open(run_dir / LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)
    return event


def events(run_dir: Path, service: str | None = None) -> list[dict]:
    """The logged events, oldest first (one service's, if named)."""
    path = run_dir / LOG_FILE
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:  # a line cut short (a full disk): skip it, keep the rest
            continue
    return [e for e in found if service in (None, e.get("service"))]


def table(found: list[dict]) -> str:
    """The events as lines: when, who, what, how it ended, and the details."""
    if not found:
        return "No deploys recorded yet."
    fixed = ("at", "service", "action", "outcome", "by")
    lines = []
    for event in found:
        details = " ".join(f"{k}={_short(v)}" for k, v in event.items() if k not in fixed)
        lines.append(
            f"{event['at']}  {event['service']:<11} {event['action']:<14} "
            f"{event['outcome']:<11} {event['by']:<10} {details}".rstrip()
        )
    return "\n".join(lines)


def _short(value) -> str:
    return (
        json.dumps(value, separators=(",", ":")) if isinstance(value, dict | list) else str(value)
    )
