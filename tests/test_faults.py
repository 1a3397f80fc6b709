"""Faults while clients write, Jepsen-style: the system of its own (gateway
24080/24081, services +16000, its own databases), clients writing values no
other request sends, and one fault at a time under them. Afterwards every
acknowledged write is stored exactly once, nothing is half-stored, and
analytics adds up to exactly what is stored.

The services reach each other through fault proxies (tests/fault_proxy.py)
so a dependency can be made to hang or refuse."""

import math
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, replace

import psycopg2
import pytest
from sqlalchemy import make_url

from conftest import TEST_DATABASE_URL
from deploy import local, wait
from tests.conftest import add_location, http, make_platform, rows
from tests.fault_proxy import FaultProxy
from tests.flood import HalfRequests
from tests.performance.load.processes import service_pids
from tests.writers import Writers

PUBLIC, INTERNAL, OFFSET = 24080, 24081, 16000


@dataclass
class Faults:
    platform: object
    to_locations: FaultProxy
    to_collections: FaultProxy

    @property
    def public(self) -> str:
        return self.platform.public_url

    def place(self) -> str:
        return add_location(self.public, f"Fault Yard {time.monotonic_ns()}")["name"]

    def kill_workers(self, service: str) -> None:
        """kill -9 of the live colour's workers: gunicorn's master starts others."""
        _, *workers = service_pids(self.platform, service)
        for worker in workers:
            os.kill(worker, 9)
        wait.until(
            lambda: set(service_pids(self.platform, service)[1:]) - set(workers),
            30,
            f"{service} started no new worker",
        )
        local.wait_ready(self.platform)

    def end_every_connection(self) -> int:
        """pg_terminate_backend of every connection to this system's databases;
        returns once the server has ended each of them."""
        connection = psycopg2.connect(TEST_DATABASE_URL)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname LIKE %s AND pid <> pg_backend_pid()",
                (f"{self.platform.database_prefix}%",),
            )
            pids = [pid for (pid,) in cursor.fetchall()]
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", (pids,))

            def gone() -> bool:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,))
                return cursor.fetchone()[0] == 0

            wait.until(gone, 10, "the ended connections linger", every=0.01)
        connection.close()
        return len(pids)

    def check(self, writers: Writers, location: str) -> dict:
        """The invariants, whatever the fault was; returns the stored rows."""
        stored = dict(
            rows(
                self.platform,
                "collections",
                "SELECT quantity, id FROM collections WHERE location = :place",
                place=location,
            )
        )
        found = rows(
            self.platform,
            "collections",
            "SELECT quantity FROM collections WHERE location = :place",
            place=location,
        )
        assert len(found) == len(stored), "a value was stored twice"
        acknowledged = writers.acknowledged()
        assert len(acknowledged) > 20, "too little traffic to say anything"
        assert {q: stored.get(q) for q in acknowledged} == acknowledged, (
            "an acknowledged write is lost"
        )
        assert set(stored) <= writers.sent(), "something was stored that nobody sent"
        for attempt in writers.imports():
            kept = [q in stored for q in attempt.quantities]
            assert all(kept) or not any(kept), f"an import was half-stored: {attempt}"
        assert not [a for a in writers.attempts if 400 <= a.status < 500], "a client error"
        fed = rows(
            self.platform,
            "collections",
            "SELECT DISTINCT collection_id FROM collection_changes"
            " WHERE op = 'upsert' AND location = :place",
            place=location,
        )
        assert {i for (i,) in fed} >= set(stored.values()), "a stored row never reached the feed"
        self._analytics_adds_up(location, stored)
        return stored

    def _analytics_adds_up(self, location: str, stored: dict[float, int]) -> None:
        url = f"{self.public}/api/v1/analytics/summary"

        def figures():
            body = http.get(url, params={"location": location}, timeout=10).json()
            return None if body.get("stale", True) else body

        wait.until(figures, 30, "analytics stayed stale")
        body = figures()
        assert body["collections"] == len(stored)
        assert math.isclose(body["total_kg"], round(math.fsum(stored), 6), abs_tol=1e-6)


def report(name: str, writers: Writers, stored: dict) -> None:
    failed = [a for a in writers.attempts if a.failed]
    print(
        f"\n{name}: {len(writers.attempts)} requests, {len(failed)} failed"
        f" ({sorted({a.status for a in failed})}), {len(writers.acknowledged())} acknowledged,"
        f" {len(stored)} stored"
    )


@pytest.fixture(scope="module")
def faults(tmp_path_factory, keys_dir):
    to_locations, to_collections = FaultProxy(INTERNAL), FaultProxy(INTERNAL)
    run_dir = tmp_path_factory.mktemp("faults") / "run"
    platform = replace(
        make_platform(run_dir, PUBLIC, INTERNAL, OFFSET, keys_dir),
        locations_url=to_locations.url,
        collections_url=to_collections.url,
    )
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield Faults(up, to_locations, to_collections)
    to_locations.close()
    to_collections.close()


def test_kill_9_of_each_services_worker_loses_nothing(faults):
    location = faults.place()
    with Writers(faults.public, location) as writers:
        time.sleep(1)
        for service in ("collections", "locations", "analytics"):
            faults.kill_workers(service)
            time.sleep(1)

    report("kill -9", writers, faults.check(writers, location))


def test_every_database_connection_ended_costs_no_request_after_it(faults):
    location = faults.place()
    with Writers(faults.public, location) as writers:
        time.sleep(1.5)
        assert faults.end_every_connection() >= 3
        ended = time.monotonic()
        time.sleep(2.5)

    after = writers.between(ended)
    assert len(after) > 10
    assert [a for a in after if a.failed] == []
    report("pg_terminate_backend", writers, faults.check(writers, location))


def restart_refused() -> str | None:
    """Why this run may not restart the test database's server, if it may not."""
    url = make_url(TEST_DATABASE_URL)
    if os.environ.get("FAULTS_RESTART_POSTGRES") == "0":
        return "FAULTS_RESTART_POSTGRES=0"
    if url.host not in ("127.0.0.1", "localhost", None):
        return f"the test database is on another host ({url.host})"
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster"):
        return "restarting PostgreSQL needs root and Debian's pg_ctlcluster"
    return None


def restart_postgres() -> None:
    port = str(make_url(TEST_DATABASE_URL).port or 5432)
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    [(version, name)] = [
        (fields[0], fields[1])
        for fields in map(str.split, clusters.stdout.splitlines())
        if fields[2] == port
    ]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )


def test_a_postgresql_restart_costs_no_request_after_it(faults):
    reason = restart_refused()
    if reason:
        pytest.skip(f"no PostgreSQL restart: {reason}")
    location = faults.place()
    with Writers(faults.public, location) as writers:
        time.sleep(1.5)
        restart_postgres()
        restarted = time.monotonic()
        time.sleep(2.5)

    after = writers.between(restarted)
    assert len(after) > 10
    assert [a for a in after if a.failed] == []
    report("PostgreSQL restart", writers, faults.check(writers, location))


@pytest.mark.parametrize("fault", ["stall", "refuse"])
def test_a_locations_service_that_hangs_or_refuses_costs_a_bounded_503(faults, fault):
    location = faults.place()
    with Writers(faults.public, location) as writers:
        time.sleep(1.5)
        started = time.monotonic()
        getattr(faults.to_locations, fault)()
        time.sleep(4)
        faults.to_locations.pass_through()
        healed = time.monotonic()
        time.sleep(2)

    during = [a for a in writers.between(started, healed) if a.what != "summary"]
    refused = [a for a in during if a.status == 503]
    assert refused, "the locations check never failed"
    assert max(a.seconds for a in during) < 3.5, "a write waited past the dependency's budget"
    stored = faults.check(writers, location)
    assert not [q for a in refused for q in a.quantities if q in stored], (
        "a refused write was stored"
    )
    assert [a for a in writers.between(healed + 1.5) if a.failed] == []
    report(f"locations {fault}", writers, stored)


@pytest.mark.parametrize("fault", ["stall", "refuse"])
def test_a_change_feed_that_hangs_or_refuses_gives_stale_answers_in_time(faults, fault):
    location = faults.place()
    with Writers(faults.public, location) as writers:
        time.sleep(1.5)
        started = time.monotonic()
        getattr(faults.to_collections, fault)()
        time.sleep(4)
        faults.to_collections.pass_through()
        healed = time.monotonic()
        time.sleep(2)

    # Asked and answered while the feed was out.
    out = writers.between(started + 0.1, healed)
    summaries = [a for a in out if a.what == "summary" and a.ended < healed]
    assert summaries and all(a.status == 200 for a in summaries)
    assert all(a.stale for a in summaries)
    assert max(a.seconds for a in summaries) < 3.5
    report(f"feed {fault}", writers, faults.check(writers, location))


def test_a_client_holding_2100_half_sent_requests_takes_nothing_from_the_others(faults):
    location = faults.place()
    with Writers(faults.public, location) as writers:
        time.sleep(1)
        started = time.monotonic()
        with HalfRequests(PUBLIC, count=2100) as flood:
            time.sleep(4)
            held = flood.held()
            internal = http.get(
                f"{faults.platform.internal_url}/internal/health/collections/ready", timeout=5
            )
        ended = time.monotonic()

    assert held >= 2000
    assert internal.status_code == 200
    during = writers.between(started, ended)
    assert len(during) > 20
    assert [a for a in during if a.failed] == []
    report(f"flood of {held} half-sent requests", writers, faults.check(writers, location))
