"""Benchmark: bulk import and CSV export of collections through the gateway.

    python -m tests.performance.bulk [--rows 1000000] [--clients 3] [--base-url URL]

Without --base-url it starts its own copy of the system on PostgreSQL (ports
29080/29081, services +22000, databases created and dropped), so it never
touches `make run`, with its analytics follower off so the import is
measured alone. It imports --rows collections in 10,000-row JSON requests
from --clients threads, then exports them all as one CSV download, and
prints rows per second for both, with the collections service's peak memory
during the export. Request bodies are built before the clock starts.
"""

import argparse
import json
import os
import platform as host
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from deploy.platform import SERVICES
from tests.conftest import http
from tests.performance.system import own_system, use_token

BATCH = 10_000
KINDS = ("Organic", "Plastic", "Paper", "Metal", "Glass", "Electronic")


def bodies(rows: int, places: list[str], statuses=("Completed",)) -> list[bytes]:
    rng = random.Random(1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for first in range(0, rows, BATCH):
        batch = [
            {
                "location": rng.choice(places),
                "waste_type": rng.choice(KINDS),
                "quantity": round(rng.uniform(0.5, 500), 2),
                "unit": "Kg",
                "collected_date": (start + timedelta(minutes=rng.randrange(1_051_200))).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "status": rng.choice(statuses),
            }
            for _ in range(min(BATCH, rows - first))
        ]
        out.append(json.dumps(batch).encode())
    return out


def make_places(base: str, count: int) -> list[str]:
    names = [f"Bench Place {n:03d} {uuid.uuid4().hex[:4]}" for n in range(count)]
    for n, name in enumerate(names):
        body = {"name": name, "location_type": "Public", "zone": f"Zone {n % 12}"}
        http.post(f"{base}/api/v1/locations", json=body, timeout=10).raise_for_status()
    return names


def import_all(base: str, payloads: list[bytes], clients: int) -> float:
    url = f"{base}/api/v1/collections/import"
    sessions = threading.local()

    def send(payload: bytes) -> None:
        if not hasattr(sessions, "http"):
            sessions.http = http.session()
        response = sessions.http.post(
            url, data=payload, timeout=300, headers={"Content-Type": "application/json"}
        )
        if response.status_code != 201:
            raise RuntimeError(f"import answered {response.status_code}: {response.text[:300]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for done, _ in enumerate(pool.map(send, payloads), start=1):
            if done % 10 == 0:
                print(f"  imported {done * BATCH:,} rows", flush=True)
    return time.perf_counter() - started


def export_all(base: str) -> tuple[int, int, float]:
    started = time.perf_counter()
    lines = size = 0
    with http.get(
        f"{base}/api/v1/collections", headers={"Accept": "text/csv"}, stream=True, timeout=600
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_content(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return lines - 1, size, time.perf_counter() - started


class PeakRss(threading.Thread):
    """Samples the summed RSS of every process whose command line has `needle`."""

    def __init__(self, needle: str):
        super().__init__(daemon=True)
        self.needle, self.peak, self.running = needle, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_of(self.needle))
            time.sleep(0.1)


def rss_of(needle: str) -> int:
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if needle.encode() not in cmdline.read():
                    continue
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total * 1024


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
        ]
    model = models[0] if models else host.processor()
    return f"{os.cpu_count()} CPUs ({model}), Python {host.python_version()}"


def bench(base: str, rows: int, clients: int, places: int, service_needle: str) -> None:
    print(f"Machine: {machine()}")
    names = make_places(base, places)
    payloads = bodies(rows, names)
    print(f"Importing {rows:,} rows in {len(payloads)} requests from {clients} clients...")
    seconds = import_all(base, payloads, clients)
    print(f"IMPORT  {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    baseline = rss_of(service_needle)
    sampler = PeakRss(service_needle)
    sampler.start()
    exported, size, seconds = export_all(base)
    sampler.running = False
    sampler.join()
    print(
        f"EXPORT  {exported:,} rows, {size / 1e6:.0f} MB in {seconds:.1f} s "
        f"= {exported / seconds:,.0f} rows/s"
    )
    print(
        f"MEMORY  collections service RSS {baseline / 1e6:.0f} MB before the export, "
        f"{sampler.peak / 1e6:.0f} MB at its peak during it"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--base-url", help="an already running gateway (else one is started)")
    parser.add_argument("--token", help="with --base-url: a token with every scope there")
    args = parser.parse_args()
    if args.base_url:
        use_token(args.token)
        bench(args.base_url, args.rows, args.clients, args.places, "collections_service.app")
        return
    # The import alone: the analytics follower would apply the feed on the
    # same two cores meanwhile (tests/performance/analytics.py measures it).
    with own_system(feed_poll=0) as system:
        needle = f"127.0.0.1:{system.port(SERVICES[1], 'blue')}"
        bench(system.public_url, args.rows, args.clients, args.places, needle)


if __name__ == "__main__":
    main()
