"""What a service says about itself to its operators' tools (read once by
each service's config: service_kit/config.py, `telemetry`)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TelemetrySettings:
    """SERVICE_COLOUR and SERVICE_VERSION label every metric and span;
    OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://collector:4318) turns the
    export of spans on (README, "Settings")."""

    colour: str = "none"
    version: str = "unknown"
    otlp_endpoint: str | None = None
