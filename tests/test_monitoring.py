"""The monitoring stack on the local platform (`make run MONITOR=1`): a
real Prometheus scraping every running colour (found through the targets
file the platform rewrites), the gateway's and PostgreSQL's exporters, the
rules loaded, and a real fault reaching a real Alertmanager."""

import json
import subprocess
import time
from dataclasses import replace

import pytest
import requests
from prometheus_client import REGISTRY

from conftest import TEST_DATABASE_URL
from deploy import gateway_metrics, local, monitoring, releases, supervisor
from deploy.platform import REPO_ROOT, service_named
from tests.conftest import add_location, http, make_platform

RULES = sorted(str(path) for path in (REPO_ROOT / "monitoring" / "rules").glob("*.yml"))


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, check=False)


def test_the_rules_are_valid_and_their_unit_tests_pass():
    checked = promtool("check", "rules", *RULES)
    tested = promtool("test", "rules", str(REPO_ROOT / "monitoring" / "tests" / "alerts_test.yml"))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@pytest.fixture(scope="module")
def monitored(tmp_path_factory, keys_dir):
    folder = tmp_path_factory.mktemp("monitored")
    platform = replace(make_platform(folder / "run", 30080, 30081, 24000, keys_dir), monitor=True)
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield up


def query(platform, promql: str) -> list[dict]:
    url = f"{monitoring.prometheus_url(platform)}/api/v1/query"
    answer = requests.get(url, params={"query": promql}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def eventually(check, seconds: float = 60, every: float = 1.0):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


def test_the_generated_config_passes_promtool(monitored):
    config = monitoring.folder(monitored) / "prometheus.yml"

    checked = promtool("check", "config", str(config))

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_live_colour_the_gateway_and_postgres_are_scraped(monitored):
    expected = {("collections", "blue"), ("locations", "blue"), ("analytics", "blue")}

    def scraped():
        up = query(monitored, 'up{job="services"} == 1')
        return {(r["metric"]["service"], r["metric"]["colour"]) for r in up} == expected

    assert eventually(scraped), query(monitored, "up")
    assert eventually(lambda: query(monitored, 'up{job="gateway"} == 1'))
    assert eventually(lambda: query(monitored, 'up{job="postgres"} == 1'))
    assert eventually(lambda: query(monitored, "nginx_connections_accepted"))
    assert eventually(lambda: query(monitored, "pg_up == 1"))


def test_requests_are_counted_per_colour_and_version_and_the_rules_evaluate(monitored):
    add_location(monitored.public_url, "Monitored Yard")
    body = {
        "location": "Monitored Yard",
        "waste_type": "Glass",
        "quantity": 3,
        "unit": "Kg",
        "collected_date": "2026-05-01T08:00:00Z",
    }
    for _ in range(20):
        assert http.post(f"{monitored.public_url}/api/v1/collections", json=body).status_code == 201
        http.get(f"{monitored.public_url}/api/v1/analytics/summary")

    counted = eventually(
        lambda: query(
            monitored,
            'sum by (colour, version) (http_requests_total{service="collections",'
            ' route="/api/v1/collections", method="POST", status_class="2xx"}) >= 20',
        )
    )

    [series] = counted
    assert series["metric"]["colour"] == "blue"
    assert series["metric"]["version"] not in ("", "unknown")
    assert eventually(lambda: query(monitored, "service:http_errors:ratio_rate5m"))
    at_the_gateway = eventually(
        lambda: query(
            monitored,
            'gateway_upstream_requests_total{service="collections", colour="blue",'
            ' listener="public", status_class="2xx"} >= 20',
        )
    )
    assert at_the_gateway, query(monitored, "gateway_upstream_requests_total")
    assert eventually(
        lambda: query(monitored, 'gateway_upstream_duration_seconds_count{service="analytics"}')
    )
    assert eventually(lambda: query(monitored, 'collections_quantity_total{waste_type="Glass"}'))
    assert eventually(lambda: query(monitored, "analytics_feed_caught_up_timestamp_seconds"))
    rules = requests.get(f"{monitoring.prometheus_url(monitored)}/api/v1/rules", timeout=5).json()
    names = {r["name"] for g in rules["data"]["groups"] for r in g["rules"]}
    assert {"TargetDown", "ErrorBudgetBurnFast", "AnalyticsFeedBehind"} <= names


DASHBOARDS = sorted((REPO_ROOT / "monitoring" / "dashboards").glob("*.json"))


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel, PromQL) of every panel, its variables set to "all"."""
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                expr = target["expr"].replace("$service", ".*").replace("$colour", ".*")
                found.append((dashboard["title"], panel["title"], expr))
    return found


def test_every_dashboard_panel_returns_data_from_the_live_system(monitored):
    # A little of everything the panels show: an import, litres, a stale-free read.
    add_location(monitored.public_url, "Dashboard Yard")
    rows = [
        {
            "location": "Dashboard Yard",
            "waste_type": "Paper",
            "quantity": 40,
            "unit": unit,
            "collected_date": "2026-05-02T08:00:00Z",
        }
        for unit in ("Liters", "Tons")
    ]
    imported = http.post(f"{monitored.public_url}/api/v1/collections/import", json=rows)
    assert imported.status_code == 201
    http.get(f"{monitored.public_url}/api/v1/analytics/zones")
    queries = panel_queries()
    assert len(DASHBOARDS) == 3 and len(queries) >= 20

    empty = [
        (dashboard, panel)
        for dashboard, panel, expr in queries
        if not eventually(lambda expr=expr: query(monitored, expr), seconds=30)
    ]

    assert not empty


def test_a_started_colour_is_scraped_and_a_stopped_one_dropped(monitored):
    backend = local.LocalColours(monitored)
    locations = service_named("locations")

    backend.start(locations, "green", releases.WORKING_TREE.resolve())
    scraped_green = monitoring.scraped(monitored)["locations"]
    backend.stop(locations, "green")

    assert scraped_green == ["blue", "green"]
    assert monitoring.scraped(monitored)["locations"] == ["blue"]
    targets = json.loads(monitoring.targets_file(monitored).read_text())
    assert {t["labels"]["colour"] for t in targets} == {"blue"}


def alerts(platform, name: str, service: str) -> list[dict]:
    found = requests.get(f"{monitoring.alertmanager_url(platform)}/api/v2/alerts", timeout=5).json()
    return [
        alert
        for alert in found
        if alert["labels"]["alertname"] == name and alert["labels"].get("service") == service
    ]


def test_a_stopped_colour_raises_target_down_and_analytics_falling_behind(monitored):
    # The fault: collections' live colour stops, and nothing is told of it.
    # Its scrape fails, and analytics can no longer reach the feed's head.
    supervisor.supervisorctl(monitored, "stop", "collections-blue", check=True)
    try:
        down = eventually(lambda: alerts(monitored, "TargetDown", "collections"), seconds=90)
        behind = eventually(
            lambda: alerts(monitored, "AnalyticsFeedBehind", "analytics"), seconds=120
        )
    finally:
        supervisor.supervisorctl(monitored, "start", "collections-blue")

    [alert] = down
    assert alert["labels"]["colour"] == "blue"
    assert alert["labels"]["severity"] == "page"
    assert "does not answer its scrape" in alert["annotations"]["summary"]
    [alert] = behind
    assert alert["labels"]["colour"] == "blue"
    assert "behind the collections feed" in alert["annotations"]["summary"]


def test_the_public_listener_never_serves_metrics(monitored):
    assert requests.get(f"{monitored.public_url}/metrics", timeout=5).status_code == 404
    # The test before restarted this colour, which starts its counts afresh:
    # one request of its own, then its metrics show it (once a worker answers).
    colour = f"{monitored.internal_url}/internal/colours/collections/blue"
    pinned = f"{colour}/metrics"

    def counted() -> bool:
        requests.get(f"{colour}/health/live", timeout=5)
        return "http_requests_total" in requests.get(pinned, timeout=5).text

    served = eventually(counted, seconds=30)
    assert served, requests.get(pinned, timeout=5).text[:300]


def test_an_access_line_counts_for_the_colour_that_answered_it_last():
    lines = gateway_metrics.Lines(
        {"127.0.0.1:5101": ("collections", "blue"), "127.0.0.1:5102": ("collections", "green")},
        {"8080": "public"},
    )
    labels = {"service": "collections", "colour": "green", "listener": "public"}
    before = REGISTRY.get_sample_value(
        "gateway_upstream_requests_total", labels | {"status_class": "5xx"}
    )
    line = {
        "upstream": "127.0.0.1:5101, 127.0.0.1:5102",
        "upstream_status": "502, 503",
        "upstream_duration_s": "0.001, 0.250",
        "port": "8080",
    }

    lines.count(b"<190>Dec  3 10:00:00 nginx: " + json.dumps(line).encode())
    lines.count(b"<190>Dec  3 10:00:00 nginx: not json")
    lines.count(b'{"upstream": "", "upstream_status": "", "port": "8080"}')

    after = REGISTRY.get_sample_value(
        "gateway_upstream_requests_total", labels | {"status_class": "5xx"}
    )
    assert after - (before or 0) == 1
    assert REGISTRY.get_sample_value("gateway_upstream_duration_seconds_sum", labels) >= 0.25


def test_each_colour_s_series_exist_at_zero_before_its_first_request():
    gateway_metrics.Lines({"127.0.0.1:5302": ("analytics", "green")}, {"8081": "internal"})

    labels = {"service": "analytics", "colour": "green", "listener": "internal"}
    counts = [
        REGISTRY.get_sample_value(
            "gateway_upstream_requests_total", labels | {"status_class": status_class}
        )
        for status_class in gateway_metrics.STATUS_CLASSES
    ]
    assert counts == [0.0] * len(gateway_metrics.STATUS_CLASSES)
    assert REGISTRY.get_sample_value("gateway_upstream_duration_seconds_count", labels) == 0.0
