"""Benchmark: the analytics service at a million collections.

    python -m tests.performance.analytics [--rows 1000000] [--places 500]

Starts its own copy of the system on PostgreSQL (ports 29080/29081, services
+22000, databases created and dropped), with the analytics follower off.
It loads --rows collections over two years at --places locations through the
bulk import, then measures:
- the initial sync of the empty analytics database (`python -m
  analytics_service sync`, the same code the follower runs), in changes/s,
  after a CHECKPOINT (the import's writes flushed before, not during it);
- latency through the gateway: /summary over everything and
  /timeseries?bucket=month over a year, p50/p95/p99 of 200 requests each,
  and /locations and /zones over everything, of 50 requests each; each
  question asked again as it is (nothing new: its answer is kept) and with
  one new collection recorded before each (the answer made afresh);
- freshness: 1,000 new collections, then the time of the next /summary and
  whether it counts them; five times, each with 1,000 more.
"""

import argparse
import functools
import statistics
import subprocess
import time

import psycopg2

from deploy.platform import SERVICES, Platform
from tests.conftest import http
from tests.performance.bulk import bodies, import_all, machine, make_places
from tests.performance.system import ADMIN_URL, own_system

SAMPLES = 200
# The places' reports took about a second each before their rollup.
PLACES_SAMPLES = 50
# Each a batch of 1,000 new collections, then one /summary.
FRESH_SAMPLES = 5
YEAR = {"bucket": "month", "from": "2025-06-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"}


def percentiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return f"p50 {statistics.median(ms):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms"


def timed_gets(
    url: str, params: dict | None = None, samples: int = SAMPLES, before=None
) -> list[float]:
    """Each GET's time; `before()` runs untimed ahead of each."""
    session, spent = http.session(), []
    for _ in range(samples):
        if before is not None:
            before()
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=30)
        spent.append(time.perf_counter() - started)
        response.raise_for_status()
    return spent


def record_one(base: str, place: str) -> None:
    body = {
        "location": place,
        "waste_type": "Glass",
        "quantity": 1,
        "unit": "Kg",
        "collected_date": "2025-07-01T08:00:00Z",
    }
    http.post(f"{base}/api/v1/collections", json=body, timeout=30).raise_for_status()


def initial_sync(system: Platform, analytics) -> tuple[int, float]:
    env = system.service_env(analytics, "blue")
    # The import's writes flushed first: the sync's figure is its own work
    # (a million changes write a checkpoint's worth of WAL themselves).
    checkpoint()
    started = time.perf_counter()
    output = subprocess.run(
        [system.python, "-m", "analytics_service", "sync"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    seconds = time.perf_counter() - started
    reached = [line for line in output.splitlines() if line.startswith("at position")][-1]
    position = int(reached.split()[2].replace(",", ""))
    return position, seconds


def checkpoint() -> None:
    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    finally:
        connection.close()


def bench(system: Platform, rows: int, places: int) -> None:
    base = system.public_url
    analytics = next(s for s in SERVICES if s.name == "analytics")
    print(f"Machine: {machine()}")
    names = make_places(base, places)
    print(f"Loading {rows:,} collections over two years at {places} places...")
    import_all(base, bodies(rows, names), clients=3)

    changes, seconds = initial_sync(system, analytics)
    print(
        f"SYNC     {changes:,} changes into an empty analytics database in {seconds:.1f} s "
        f"= {changes / seconds:,.0f} changes/s"
    )

    summary = f"{base}/api/v1/analytics/summary"
    total = http.get(summary, timeout=30).json()["collections"]
    print(f"Everything: {total:,} collections. Each question asked again as it is (its")
    print("answer kept), and after a write each time (answered afresh):")
    write = functools.partial(record_one, base, names[0])
    questions = [
        ("SUMMARY  everything", summary, None, SAMPLES),
        ("SERIES   month, a year", f"{base}/api/v1/analytics/timeseries", YEAR, SAMPLES),
        ("LOCATIONS everything", f"{base}/api/v1/analytics/locations", None, PLACES_SAMPLES),
        ("ZONES    everything", f"{base}/api/v1/analytics/zones", None, PLACES_SAMPLES),
    ]
    for label, url, params, samples in questions:
        kept = percentiles(timed_gets(url, params, samples))
        afresh = percentiles(timed_gets(url, params, samples, before=write))
        print(f"{label}: again {kept}; after a write {afresh}")

    # Five times: one figure on a shared machine is mostly its noise.
    fresh, counted = [], True
    for _ in range(FRESH_SAMPLES):
        total = http.get(summary, timeout=30).json()["collections"]
        import_all(base, bodies(1000, names), clients=1)
        started = time.perf_counter()
        after = http.get(summary, timeout=30).json()["collections"]
        fresh.append((time.perf_counter() - started) * 1000)
        counted = counted and after == total + 1000
    print(
        f"FRESH    1,000 new collections, {FRESH_SAMPLES} times: next /summary in median "
        f"{statistics.median(fresh):.0f} ms ({', '.join(f'{ms:.0f}' for ms in fresh)}), "
        f"counts them: {counted}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--places", type=int, default=500)
    args = parser.parse_args()
    with own_system(feed_poll=0) as system:
        bench(system, args.rows, args.places)


if __name__ == "__main__":
    main()
