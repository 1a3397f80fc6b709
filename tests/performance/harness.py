"""`make bench`: the benchmarking plan in one command.

    python -m tests.performance.harness [--large] [--collections N] [--locations N]
        [--seconds 10] [--connections 16] [--base-url URL]

Starts its own system on PostgreSQL (ports 29080/29081; or measures the one at
--base-url), loads a dataset through the API (100,000 collections at 500
locations by default, 1,000,000 with --large), then through the gateway:

- each scenario at its maximum (wrk, closed model): requests/s, p50/p95/p99,
  errors, and the CPU seconds per request of the service it belongs to;
- GET one collection at 25, 50 and 75% of that maximum (k6, open model:
  requests start on schedule, so a slow server cannot hide its tail), each
  after the Flask floor at the same rate;
- two floors on the same machine: nginx answering fixed JSON itself, and a
  minimal Flask view behind the same gunicorn and nginx settings. Each
  scenario takes turns with the Flask floor, floor-scenario-floor-scenario,
  half its time a turn, and its share is of those floor turns: a shared
  machine's speed drifts within a run, and turns cancel a steady drift;
- each service's peak memory (all its processes) during the run.

Writes var/bench/<time>.json and .md, and prints the table and the targets.
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from deploy.platform import REPO_ROOT, SERVICES
from service_kit.data.db import make_engine
from tests.conftest import http
from tests.performance import report
from tests.performance.bulk import bodies, import_all, machine
from tests.performance.load import drivers, floors, processes
from tests.performance.load.drivers import Scenario
from tests.performance.system import own_system, use_token

COLLECTION = (
    '{"location":"{place}","waste_type":"Plastic","quantity":12.5,"unit":"Kg",'
    '"collected_date":"2026-03-01T08:30:00Z"}'
)
FLOORS = [
    Scenario("nginx floor", "", "GET", "/nginx/fixed"),
    Scenario("Flask floor", "floor", "GET", "/flask/fixed"),
]
SCENARIOS = [
    Scenario("GET one collection", "collections", "GET", "/api/v1/collections/{id}"),
    Scenario(
        "list 100, filtered",
        "collections",
        "GET",
        "/api/v1/collections?waste_type=Glass&waste_type=Paper&status=Completed"
        "&sort=-collected_date&limit=100",
    ),
    Scenario("POST a collection", "collections", "POST", "/api/v1/collections", COLLECTION),
    Scenario(
        "PATCH its status",
        "collections",
        "PATCH",
        "/api/v1/collections/{id}",
        '{"status":"Completed"}',
    ),
    Scenario("GET one location", "locations", "GET", "/api/v1/locations/{location_id}"),
    Scenario("analytics summary", "analytics", "GET", "/api/v1/analytics/summary"),
    Scenario(
        "monthly timeseries",
        "analytics",
        "GET",
        "/api/v1/analytics/timeseries?bucket=month"
        "&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    ),
]
FIXED_SHARES = (0.25, 0.50, 0.75)
OUT = REPO_ROOT / "var" / "bench"


def load_dataset(base: str, collections: int, locations: int) -> dict[str, str]:
    """Create the places and collections; return the ranges the scenarios draw from."""
    print(f"Loading {locations:,} locations and {collections:,} collections...", flush=True)
    started = time.perf_counter()
    session = http.session()
    names, ids = [], []
    for n in range(locations):
        body = {"name": f"Bench {n:04d} {time.time_ns() % 10**8}", "location_type": "Public"}
        created = session.post(f"{base}/api/v1/locations", json=body, timeout=10)
        created.raise_for_status()
        names.append(created.json()["name"])
        ids.append(created.json()["id"])
    first = _last_collection_id(base) + 1
    import_all(base, bodies(collections, names, ("Pending", "Completed")), clients=2)
    # Analytics catches up before it answers: the first summary waits for the feed.
    http.get(f"{base}/api/v1/analytics/summary", timeout=600).raise_for_status()
    print(f"  loaded in {time.perf_counter() - started:.0f}s", flush=True)
    return {
        "ID_MIN": str(first),
        "ID_MAX": str(_last_collection_id(base)),
        "LOCATION_MIN": str(min(ids)),
        "LOCATION_MAX": str(max(ids)),
        "PLACES": "|".join(names[:100]),
        "TOKEN": http.token,
    }


def analyze(system) -> None:
    """Fresh planner statistics, as autovacuum would have within a minute of the
    load: measured at once, a filtered list would be planned on an empty table."""
    for service in SERVICES:
        engine = make_engine(system.database_url(service), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()


def _last_collection_id(base: str) -> int:
    page = http.get(f"{base}/api/v1/collections", params={"sort": "-id", "limit": 1}, timeout=10)
    page.raise_for_status()
    items = page.json()  # a bare array (API.md)
    return items[0]["id"] if items else 0


def measure(base: str, floor_base: str, sizes: dict, args, pids: dict) -> dict:
    results = {"scenarios": {}, "fixed_rate": []}
    for floor in FLOORS:
        results["scenarios"][floor.name] = _maximum(floor_base, floor, sizes, args, pids)
    for scenario in [s for s in SCENARIOS if not args.only or s.name in args.only]:
        results["scenarios"][scenario.name] = _beside_the_floor(
            base, floor_base, scenario, sizes, args, pids
        )
    get_one = results["scenarios"].get("GET one collection")
    for share in FIXED_SHARES if get_one else ():
        rate = max(1, int(get_one["rps"] * share))
        results["fixed_rate"].append(_at_fixed_rate(base, floor_base, rate, args, sizes, share))
    return results


def _at_fixed_rate(base: str, floor_base: str, rate: int, args, sizes: dict, share: float):
    """GET one at `rate`, just after the Flask floor at the same rate: the
    floor's tail there is what the machine, gunicorn and k6 cost alone."""
    floor_url = f"{floor_base}{FLOORS[1].target}"
    floor = drivers.fixed_rate(floor_url, rate, args.seconds, sizes)
    figures = drivers.fixed_rate(f"{base}{SCENARIOS[0].target}", rate, args.seconds, sizes)
    print(
        f"  GET one at {rate} req/s ({share:.0%}): p99 {figures['p99_ms']:.1f} ms"
        f" (the Flask floor at that rate: {floor['p99_ms']:.1f} ms)"
    )
    return figures | {"share": share, "floor_p99_ms": floor["p99_ms"]}


def _beside_the_floor(
    base: str, floor_base: str, scenario: Scenario, sizes: dict, args, pids: dict
) -> dict:
    """A scenario at its maximum in two turns, each after a turn of the Flask
    floor; its figures with `floor_rps`, the floor's over its turns."""
    turn = max(1, args.seconds // 2)
    floor_turns, turns = [], []
    for _ in range(2):
        floor_turns.append(_maximum(floor_base, FLOORS[1], sizes, args, pids, turn, quiet=True))
        turns.append(_maximum(base, scenario, sizes, args, pids, turn, quiet=True))
    figures = _over_turns(turns) | {"floor_rps": _over_turns(floor_turns)["rps"]}
    print(
        f"  {scenario.name}: {figures['rps']:,.0f} req/s"
        f" ({figures['rps'] / figures['floor_rps']:.0%} of the floor beside it),"
        f" p99 {figures['p99_ms']:.1f} ms"
    )
    return figures


def _over_turns(turns: list[dict]) -> dict:
    """Turns' figures as one run: rates and CPU over all their requests; each
    percentile the worst turn's (turns' latencies cannot be merged exactly)."""
    requests = sum(t["requests"] for t in turns)
    seconds = sum(t["requests"] / t["rps"] for t in turns)
    figures = {
        "requests": requests,
        "rps": requests / seconds,
        "errors": sum(t["errors"] for t in turns),
    }
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        figures[key] = max(t[key] for t in turns)
    if all("cpu_ms_per_request" in t for t in turns):
        spent = sum(t["cpu_ms_per_request"] * t["requests"] for t in turns)
        figures["cpu_ms_per_request"] = spent / requests
    return figures


def _maximum(
    base: str,
    scenario: Scenario,
    sizes: dict,
    args,
    pids: dict,
    seconds: int | None = None,
    quiet: bool = False,
) -> dict:
    """One scenario at its maximum, with the CPU its service spent per request."""
    own = pids.get(scenario.service, [])
    cpu_before = processes.cpu_seconds(own)
    figures = drivers.maximum(base, scenario, seconds or args.seconds, args.connections, sizes)
    if own:
        spent = processes.cpu_seconds(own) - cpu_before
        figures["cpu_ms_per_request"] = spent * 1000 / max(figures["requests"], 1)
    if not quiet:
        print(f"  {scenario.name}: {figures['rps']:,.0f} req/s, p99 {figures['p99_ms']:.1f} ms")
    return figures


def run(args) -> dict:
    sizes_wanted = (1_000_000 if args.large else args.collections), args.locations
    header = {"machine": machine(), "collections": sizes_wanted[0], "locations": sizes_wanted[1]}
    with floors.floors(OUT / "run", Path(sys.executable).parent) as (floor_base, floor_pids):
        if args.base_url:
            use_token(args.token)
            sizes = load_dataset(args.base_url, *sizes_wanted)
            return header | measure(args.base_url, floor_base, sizes, args, {"floor": floor_pids})
        with own_system() as system:
            sizes = load_dataset(system.public_url, *sizes_wanted)
            analyze(system)
            pids = {s: processes.service_pids(system, s) for s in report.SERVICES}
            watcher = processes.PeakMemory(dict(pids))
            pids["floor"] = floor_pids
            watcher.start()
            results = measure(system.public_url, floor_base, sizes, args, pids)
            return header | results | {"memory": watcher.stop()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", type=int, default=100_000)
    parser.add_argument("--locations", type=int, default=500)
    parser.add_argument("--large", action="store_true", help="1,000,000 collections")
    parser.add_argument("--seconds", type=int, default=10, help="per scenario")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--base-url", help="measure this system instead of starting one")
    parser.add_argument("--token", help="with --base-url: a token with every scope there")
    parser.add_argument(
        "--only",
        action="append",
        choices=[s.name for s in SCENARIOS],
        help="just this scenario (repeatable; the floors always run); for tuning",
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    results = run(args)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results, complete=not args.only)
    (OUT / f"{stamp}.md").write_text(table + "\n")
    print("\n" + table)
    print(f"\nWritten: {OUT / stamp}.json and .md")


if __name__ == "__main__":
    main()
