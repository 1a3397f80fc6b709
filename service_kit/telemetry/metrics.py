"""Prometheus metrics: what every service counts, and `GET /metrics`.

Every series carries `service`, `colour` and `version` (TelemetrySettings),
so the two colours of a canary, and two versions, compare side by side;
requests are labelled by route *template* (`/api/v1/collections/<id>`),
never the raw URL, so the number of series stays bounded.

Several gunicorn workers: prometheus-client's multiprocess mode, when
PROMETHEUS_MULTIPROC_DIR is set (the platform gives each colour its own
folder, emptied when the colour starts; gunicorn_defaults.py marks a dead
worker's gauges). Without it (tests in process, one process), the default
registry.

A service's own metrics (collections recorded, feed lag) are made with
`counter`, `gauge` and `histogram` here, which add the three labels.
"""

import os
import platform
import time

import prometheus_client
from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, multiprocess

from service_kit.telemetry.settings import TelemetrySettings

# Several processes share their counts through files in this folder (a
# migration's process too, which counts its connections): make it if missing.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# From 1 ms to 5 s (requests, outbound calls).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST
IDENTITY = ("service", "colour", "version")


class Identity:
    """The three labels every series of this process carries."""

    service = "unknown"
    colour = "none"
    version = "unknown"

    @classmethod
    def values(cls) -> tuple[str, str, str]:
        return cls.service, cls.colour, cls.version


def counter(name: str, documentation: str, labels: tuple[str, ...] = ()):
    return _Labelled(prometheus_client.Counter(name, documentation, (*IDENTITY, *labels)))


def gauge(name: str, documentation: str, labels: tuple[str, ...] = (), mode: str = "max"):
    """A gauge; `mode` says how workers' values combine (multiprocess mode)."""
    metric = prometheus_client.Gauge(
        name, documentation, (*IDENTITY, *labels), multiprocess_mode=mode
    )
    return _Labelled(metric)


def histogram(name: str, documentation: str, labels: tuple[str, ...] = ()):
    metric = prometheus_client.Histogram(
        name, documentation, (*IDENTITY, *labels), buckets=LATENCY_BUCKETS
    )
    return _Labelled(metric)


class _Labelled:
    """A metric whose children carry this process's identity; each child is
    made once (a label lookup costs more than the increment)."""

    def __init__(self, metric):
        self.metric = metric
        self.children: dict = {}

    def of(self, *labels: str):
        child = self.children.get(labels)
        if child is None:
            child = self.children[labels] = self.metric.labels(*Identity.values(), *labels)
        return child


REQUESTS = counter(
    "http_requests_total",
    "Requests answered, by route template, method and status class.",
    ("route", "method", "status_class"),
)
LATENCY = histogram(
    "http_request_duration_seconds",
    "Time to answer, from the first hook to the last, by route template and method.",
    ("route", "method"),
)
IN_FLIGHT = gauge("http_requests_in_flight", "Requests being answered.", mode="livesum")
BUILD = gauge("service_build_info", "1, labelled with the running version.", ("python",))
STARTED = gauge("service_start_time_seconds", "When the process started (Unix time).")
READY = gauge(
    "service_ready",
    "1 when /health/ready would answer 200 (its database reachable, its schema fitting),"
    " checked at each scrape.",
    mode="livemostrecent",
)
DB_IN_USE = gauge("db_pool_connections_in_use", "Database connections checked out.", mode="livesum")
DB_ERRORS = counter("db_statement_errors_total", "Database statements that raised.")
OUTBOUND = counter(
    "outbound_requests_total",
    "Calls to another service, by dependency and outcome (ok, error status, unanswered).",
    ("dependency", "outcome"),
)
OUTBOUND_LATENCY = histogram(
    "outbound_request_duration_seconds", "Time of each call to another service.", ("dependency",)
)
_UNMATCHED = "unmatched"


def install(app: Flask, service: str, settings: TelemetrySettings) -> None:
    """Count every request, and serve GET /metrics (not in the API document)."""
    Identity.service, Identity.colour, Identity.version = service, settings.colour, settings.version
    BUILD.of(platform.python_version()).set(1)
    STARTED.of().set(time.time())
    app.before_request(_arrived)
    app.after_request(_answered)
    app.teardown_request(_left)
    app.add_url_rule("/metrics", "metrics", _metrics, methods=["GET"])


def _arrived() -> None:
    g.metrics_started = time.perf_counter()
    IN_FLIGHT.of().inc()


def _answered(response):
    started = g.get("metrics_started")
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else _UNMATCHED
        status_class = f"{response.status_code // 100}xx"
        REQUESTS.of(route, request.method, status_class).inc()
        LATENCY.of(route, request.method).observe(time.perf_counter() - started)
    return response


def _left(_error) -> None:
    if g.pop("metrics_started", None) is not None:
        IN_FLIGHT.of().dec()


def _metrics() -> Response:
    problem = current_app.extensions.get("readiness_problem")
    if problem is not None:
        READY.of().set(0 if problem() else 1)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    return Response(prometheus_client.generate_latest(registry), content_type=CONTENT_TYPE)


def outbound(dependency: str, outcome: str, seconds: float) -> None:
    """Count one call to another service (web/outbound.py)."""
    OUTBOUND.of(dependency, outcome).inc()
    OUTBOUND_LATENCY.of(dependency).observe(seconds)


def clear_multiprocess_dir() -> None:
    """Empty (or make) PROMETHEUS_MULTIPROC_DIR, before any worker starts."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit: a dead worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
