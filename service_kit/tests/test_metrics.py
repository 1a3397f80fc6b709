"""GET /metrics from a real gunicorn with two workers (prometheus-client's
multiprocess mode): requests by route template, never the raw URL; every
series labelled with service, colour and version; counts that survive a
worker's death; the service's own counters."""

import os
import re
import signal
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import access_env, bearer_session, migrated_database, service_process
from deploy import wait
from deploy.gateway import children_of
from locations_service.app import MIGRATIONS_DIR

PORT = 15491
URL = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def served(make_database, tmp_path_factory, keys_dir, bearer):
    folder = tmp_path_factory.mktemp("metrics")
    url = migrated_database(make_database, "metrics_locations", MIGRATIONS_DIR)
    env = {
        "DATABASE_URL": url,
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "multiprocess"),
        "SERVICE_COLOUR": "green",
        "SERVICE_VERSION": "v9.9.9-test",
        **access_env(keys_dir),
    }
    with service_process("locations_service", PORT, env, folder / "log") as process:
        yield process, bearer_session(bearer)


def samples(name: str) -> list:
    text = requests.get(f"{URL}/metrics", timeout=5).text
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def total(name: str, **labels) -> float:
    return sum(s.value for s in samples(name) if labels.items() <= s.labels.items())


def test_requests_are_counted_by_route_template_with_the_identity_labels(served):
    _, http = served
    before = total("http_requests_total", route="/api/v1/locations/<id:location_id>")
    for n in range(10):
        http.get(f"{URL}/api/v1/locations/{2_000_000 + n}", timeout=5)

    after = samples("http_requests_total")

    routed = [s for s in after if s.labels["route"] == "/api/v1/locations/<id:location_id>"]
    assert sum(s.value for s in routed) - before == 10
    assert {s.labels["status_class"] for s in routed} == {"4xx"}
    for sample in after:
        assert (sample.labels["service"], sample.labels["colour"]) == ("locations", "green")
        assert sample.labels["version"] == "v9.9.9-test"


def test_a_thousand_distinct_ids_add_no_series(served):
    _, http = served
    http.get(f"{URL}/api/v1/locations/1", timeout=5)
    series = len(samples("http_requests_total")) + len(
        samples("http_request_duration_seconds_bucket")
    )

    for n in range(1000):
        http.get(f"{URL}/api/v1/locations/{n + 1}", timeout=5)
        if n % 250 == 0:
            http.get(f"{URL}/no/such/{n}", timeout=5)

    after = len(samples("http_requests_total")) + len(
        samples("http_request_duration_seconds_bucket")
    )
    unmatched = [s for s in samples("http_requests_total") if s.labels["route"] == "unmatched"]
    assert after - series <= 1 + 12 + 2  # the one "unmatched" route: a counter, its buckets
    assert not [s for s in samples("http_requests_total") if re.search(r"/\d", s.labels["route"])]
    assert sum(s.value for s in unmatched) >= 4


def test_the_latency_histogram_resolves_1_ms_to_5_s(served):
    buckets = {s.labels["le"] for s in samples("http_request_duration_seconds_bucket")}

    assert {"0.001", "0.005", "0.1", "1.0", "5.0", "+Inf"} <= buckets


def test_build_info_pool_use_and_in_flight_are_served(served):
    [build] = {(s.labels["version"], s.value) for s in samples("service_build_info")}
    assert build == ("v9.9.9-test", 1.0)
    assert total("db_pool_connections_in_use") >= 1
    # This scrape is in flight while it is answered (in one of the workers).
    assert total("http_requests_in_flight") == 1


def test_counts_survive_a_worker_killed_and_replaced(served):
    process, http = served
    for _ in range(20):
        http.get(f"{URL}/api/v1/locations", timeout=5)
    before = total("http_requests_total", route="/api/v1/locations", method="GET")
    workers = children_of(process.pid)

    os.kill(sorted(workers)[0], signal.SIGKILL)
    wait.until(lambda: len(children_of(process.pid) - workers) == 1, 30, "no new worker")
    time.sleep(0.5)

    assert total("http_requests_total", route="/api/v1/locations", method="GET") >= before
    assert total("http_requests_in_flight") == 1


def test_the_metrics_route_needs_no_token_and_is_not_in_the_document(served):
    response = requests.get(f"{URL}/metrics", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "/metrics" not in requests.get(f"{URL}/openapi.json", timeout=5).json()["paths"]
