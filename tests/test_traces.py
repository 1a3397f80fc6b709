"""Traces across services: the gateway starts or takes a W3C traceparent,
each service continues it (its request, its statements, its calls to
others) and exports spans to a real OTLP/HTTP receiver this test runs; every
log line names its trace. With export off, the trace is still carried."""

import json
import re
import threading
import time
import uuid
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from conftest import TEST_DATABASE_URL
from deploy import local
from tests.conftest import add_location, http, make_platform

RECEIVER_PORT = 15595
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver (protobuf): it keeps every span it gets."""

    def __init__(self):
        self.spans: list[dict] = []
        super().__init__(("127.0.0.1", RECEIVER_PORT), _Export)

    def of_trace(self, trace_id: str) -> list[dict]:
        return [span for span in self.spans if span["trace_id"] == trace_id]


class _Export(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        export = ExportTraceServiceRequest.FromString(body)
        for resource in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for span in scope.spans:
                    self.server.spans.append(
                        {
                            "service": attributes["service.name"],
                            "colour": attributes.get("deployment.colour"),
                            "name": span.name,
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_id": span.parent_span_id.hex(),
                        }
                    )
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def traced(tmp_path_factory, keys_dir, receiver):
    folder = tmp_path_factory.mktemp("traced")
    platform = replace(
        make_platform(folder / "run", 31080, 31081, 26000, keys_dir),
        otlp_endpoint=f"http://127.0.0.1:{RECEIVER_PORT}",
    )
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield up


def spans_of(receiver: Receiver, trace_id: str, services: set[str], seconds: float = 20):
    """The trace's spans once every one of `services` has sent some (the
    SDK exports in batches, every few seconds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        spans = receiver.of_trace(trace_id)
        if services <= {span["service"] for span in spans}:
            time.sleep(1)  # the rest of the batch
            return receiver.of_trace(trace_id)
        time.sleep(0.2)
    raise AssertionError(f"no spans from {services} in {receiver.of_trace(trace_id)}")


def new_traceparent() -> tuple[str, str, str]:
    trace_id, parent = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    return f"00-{trace_id}-{parent}-01", trace_id, parent


def test_a_post_that_checks_its_location_is_one_trace_across_two_services(traced, receiver):
    place = add_location(traced.public_url, f"Traced Yard {uuid.uuid4().hex[:8]}")["name"]
    header, trace_id, parent = new_traceparent()
    body = {
        "location": place,
        "waste_type": "Glass",
        "quantity": 2,
        "unit": "Kg",
        "collected_date": "2026-05-01T08:00:00Z",
    }

    response = http.post(
        f"{traced.public_url}/api/v1/collections", json=body, headers={"traceparent": header}
    )

    assert response.status_code == 201
    spans = spans_of(receiver, trace_id, {"collections", "locations"})
    by_name = {(s["service"], s["name"]): s for s in spans}
    server = by_name[("collections", "POST /api/v1/collections")]
    call = by_name[("collections", "GET locations")]
    answered = by_name[("locations", "GET /api/v1/locations")]
    assert server["parent_id"] == parent  # continues the client's trace
    assert call["parent_id"] == server["span_id"]
    assert answered["parent_id"] == call["span_id"]  # the traceparent went along
    assert any(s["name"].startswith("db ") and s["service"] == "collections" for s in spans)
    assert any(s["name"].startswith("db ") and s["service"] == "locations" for s in spans)
    assert {s["colour"] for s in spans} == {"blue"}


def test_an_analytics_query_that_catches_up_is_one_trace_with_the_feed_read(traced, receiver):
    header, trace_id, _ = new_traceparent()

    response = http.get(
        f"{traced.public_url}/api/v1/analytics/summary", headers={"traceparent": header}
    )

    assert response.status_code == 200
    spans = spans_of(receiver, trace_id, {"analytics", "collections"})
    names = {(s["service"], s["name"]) for s in spans}
    assert ("analytics", "GET /api/v1/analytics/summary") in names
    assert ("analytics", "GET collections") in names
    assert ("collections", "GET /internal/v1/collections/changes") in names


def test_without_a_traceparent_the_gateway_starts_one_and_log_lines_name_it(traced, receiver):
    response = http.get(f"{traced.public_url}/api/v1/locations?limit=1")
    request_id = response.headers["X-Request-ID"]

    # The gateway's trace id is its request id.
    spans = spans_of(receiver, request_id, {"locations"})
    assert {s["service"] for s in spans} == {"locations"}
    log = traced.run_dir / "logs" / "locations-blue.log"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(text) for text in log.read_text().splitlines() if request_id in text]
        if lines:
            break
        time.sleep(0.2)
    [line] = [entry for entry in lines if entry.get("message") == "request"]
    assert line["trace_id"] == request_id
    assert line["span_id"] in {s["span_id"] for s in spans}


def test_with_export_off_the_trace_still_reaches_every_service(system, public):
    header, trace_id, parent = new_traceparent()

    http.get(f"{public}/api/v1/locations?limit=1", headers={"traceparent": header})

    log = system.run_dir / "logs" / "locations-blue.log"
    deadline = time.monotonic() + 5
    while trace_id not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    [line] = [json.loads(text) for text in log.read_text().splitlines() if trace_id in text]
    assert (line["trace_id"], line["span_id"]) == (trace_id, parent)
