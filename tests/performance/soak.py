"""`make soak`: a steady mixed load through the gateway for a long while.

    python -m tests.performance.soak [--minutes 10] [--clients 6] [--pause 0.02]

Starts its own system on PostgreSQL (the benchmarks' ports, 29080/29081),
then runs clients that create, read, complete and list collections, read
and add locations and read the analytics summary (tests/traffic.py), each
waiting `pause` seconds between requests. Every minute it prints each
service's memory (RSS of all its processes) and open file descriptors, the
errors so far, and that minute's request count and p99.

It fails (exit 1) when any request failed, or when a service's memory or
file descriptors grow steadily: over the minutes after the first two (the
warm-up: caches fill, the allocator settles), a least-squares slope above
1 MB (or 1 descriptor) a minute that adds up to more than 5 MB (or 10
descriptors). Writes var/soak/<time>.json.
"""

import argparse
import contextlib
import json
import os
import sys
import time
from datetime import UTC, datetime

from deploy.platform import REPO_ROOT
from tests.conftest import add_location
from tests.performance.bulk import machine
from tests.performance.load import processes
from tests.performance.system import own_system
from tests.traffic import Traffic

SERVICES = ("collections", "locations", "analytics")
WARM_UP_MINUTES = 2
MAX_SLOPE = {"rss_mb": 1.0, "fds": 1.0}
MAX_GROWTH = {"rss_mb": 5.0, "fds": 10.0}
OUT = REPO_ROOT / "var" / "soak"


def open_files(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):  # the process ended
            total += len(os.listdir(f"/proc/{pid}/fd"))
    return total


def sample(system) -> dict[str, dict]:
    """Each service's memory and descriptors now (its processes may have changed)."""
    found = {}
    for service in SERVICES:
        pids = processes.service_pids(system, service)
        rss, _ = processes.memory(pids)
        found[service] = {"rss_mb": round(rss / 2**20, 1), "fds": open_files(pids)}
    return found


def p99_ms(seconds: list[float]) -> float:
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)


def slope(values: list[float]) -> float:
    """Least-squares slope of values taken a minute apart, per minute."""
    count = len(values)
    mean_x, mean_y = (count - 1) / 2, sum(values) / count
    spread = sum((x - mean_x) ** 2 for x in range(count))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread


def growth_problems(minutes: list[dict]) -> list[str]:
    """The services whose memory or descriptors grew steadily after the warm-up."""
    settled = minutes[WARM_UP_MINUTES:]
    if len(settled) < 3:
        return []
    problems = []
    for service in SERVICES:
        for measure in ("rss_mb", "fds"):
            values = [minute["services"][service][measure] for minute in settled]
            per_minute = slope(values)
            grown = per_minute * (len(values) - 1)
            if per_minute > MAX_SLOPE[measure] and grown > MAX_GROWTH[measure]:
                problems.append(f"{service} {measure} grows {per_minute:.2f} a minute")
    return problems


def soak(minutes: int, clients: int, pause: float) -> dict:
    with own_system() as system:
        place = add_location(system.public_url, f"Soak Yard {time.time_ns()}")
        print(
            f"{'minute':>6} {'requests':>8} {'errors':>6} {'p99 ms':>7}  "
            + "  ".join(f"{s:>11} RSS/fds" for s in SERVICES),
            flush=True,
        )
        results = []
        with Traffic(system.public_url, place["name"], place["id"], clients, pause) as traffic:
            started = time.monotonic()
            for minute in range(1, minutes + 1):
                time.sleep(max(0.0, started + minute * 60 - time.monotonic()))
                results.append(_minute(traffic, system, minute, started))
        record = traffic.record
    return {
        "machine": machine(),
        "minutes": results,
        "requests": len(record.answers),
        "errors": len(record.failures()),
        "growth": growth_problems(results),
    }


def _minute(traffic: Traffic, system, minute: int, started: float) -> dict:
    window = (started + (minute - 1) * 60, started + minute * 60)
    with traffic.record.lock:
        answers = [a for a in traffic.record.answers if window[0] <= a.started < window[1]]
        errors = len(traffic.record.failures())
    figures = {
        "minute": minute,
        "requests": len(answers),
        "errors_so_far": errors,
        "p99_ms": p99_ms([a.seconds for a in answers]),
        "services": sample(system),
    }
    cells = "  ".join(
        f"{figures['services'][s]['rss_mb']:>9.1f} MB {figures['services'][s]['fds']:>4}"
        for s in SERVICES
    )
    print(
        f"{minute:>6} {len(answers):>8} {errors:>6} {figures['p99_ms']:>7.1f}  {cells}", flush=True
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument(
        "--pause", type=float, default=0.02, help="seconds between a client's requests"
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}\nSoaking for {args.minutes} minutes...", flush=True)
    results = soak(args.minutes, args.clients, args.pause)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{results['requests']:,} requests, {results['errors']} failed.")
    print(f"Written: {OUT / stamp}.json")
    failures = results["growth"] + (
        [f"{results['errors']} requests failed"] if results["errors"] else []
    )
    if failures:
        sys.exit("soak failed: " + "; ".join(failures))
    print("soak passed: no failed request, no steady growth")


if __name__ == "__main__":
    main()
