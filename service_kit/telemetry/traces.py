"""Traces: the W3C `traceparent` taken in, continued, and passed on; and,
when OTEL_EXPORTER_OTLP_ENDPOINT is set, OpenTelemetry spans exported over
OTLP/HTTP.

The gateway gives every request a `traceparent` (the client's, or one it
starts: gateway/templates/nginx.conf.template). A service continues it: a
span for the request (`GET /api/v1/collections/<id:collection_id>`), one per
database statement (the Session's and the driver cursor's: data/db.py,
data/driver.py) and one per call to another service (web/outbound.py, which
sends the `traceparent` on). Each log line carries `trace_id` and `span_id`.

Export off (the default), no span is made: the incoming context is only
carried along (so calls to other services still continue the trace, and
log lines still name it), at the cost of a header parse per request.
"""

import contextlib

from flask import Flask, g, request
from opentelemetry import context, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from service_kit.telemetry.settings import TelemetrySettings

PROPAGATOR = TraceContextTextMapPropagator()
_tracer: trace.Tracer | None = None  # set by `install` when export is on


def install(app: Flask, service: str, settings: TelemetrySettings) -> None:
    """Continue each request's trace; export spans if an endpoint is set."""
    global _tracer
    if settings.otlp_endpoint and _tracer is None:
        _tracer = _exporting_tracer(service, settings)
    app.before_request(_arrived)
    app.after_request(_answered)
    app.teardown_request(_left)


def _exporting_tracer(service: str, settings: TelemetrySettings) -> trace.Tracer:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": service,
            "service.version": settings.version,
            "deployment.colour": settings.colour,
        }
    )
    provider = TracerProvider(resource=resource)
    exporter = OTLPSpanExporter(endpoint=f"{settings.otlp_endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider.get_tracer("waste-collection")


def exporting() -> bool:
    return _tracer is not None


def _arrived() -> None:
    incoming = PROPAGATOR.extract(request.headers)
    if _tracer is not None:
        name = f"{request.method} {request.url_rule.rule if request.url_rule else 'unmatched'}"
        g.trace_span = _tracer.start_span(name, context=incoming, kind=SpanKind.SERVER)
        incoming = trace.set_span_in_context(g.trace_span, incoming)
    g.trace_token = context.attach(incoming)


def _answered(response):
    span = g.get("trace_span")
    if span is not None:
        span.set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 500:
            span.set_status(Status(StatusCode.ERROR))
    return response


def _left(_error) -> None:
    span = g.pop("trace_span", None)
    if span is not None:
        span.end()
    token = g.pop("trace_token", None)
    if token is not None:
        context.detach(token)


def span(name: str, kind: SpanKind = SpanKind.INTERNAL, **attributes):
    """A span around a block when export is on; otherwise nothing at all."""
    if _tracer is None:
        return contextlib.nullcontext()
    return _tracer.start_as_current_span(name, kind=kind, attributes=attributes)


def statement_name(sql: str) -> str:
    """A database statement's span name: "db SELECT", "db INSERT"..."""
    return f"db {sql.split(None, 1)[0].upper()}"


def start_span(name: str):
    """A client span started now, under the current one, ended by the caller
    (a database statement: data/db.py's engine events). Export must be on."""
    return _tracer.start_span(name, kind=SpanKind.CLIENT)


def outgoing_headers() -> dict[str, str]:
    """The `traceparent` (and `tracestate`) for a call made from here."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier


def current_ids() -> tuple[str, str] | None:
    """This trace's id and the current span's, as hex, for log lines."""
    found = trace.get_current_span().get_span_context()
    if not found.is_valid:
        return None
    return format(found.trace_id, "032x"), format(found.span_id, "016x")
