"""The gateway's per-colour metrics: where a canary's two colours are
measured on equal terms (the same clients, the same clock).

nginx sends each access line (JSON, gateway/templates/nginx.conf.template)
to this program over syslog (UDP, loopback); it counts each proxied request
by service, colour and status class, with the upstream's time, and serves
them to Prometheus:

    gateway_upstream_requests_total{service, colour, listener, status_class}
    gateway_upstream_duration_seconds{service, colour, listener}  (histogram)

The colour is read off the upstream address the request went to (the last
one, if nginx tried another first). Run by supervisord with MONITOR=1:

    python -m deploy.gateway_metrics --syslog-port N --port M --colours JSON
"""

import argparse
import contextlib
import json
import socket

from prometheus_client import Counter, Histogram, start_http_server

from service_kit.telemetry.metrics import LATENCY_BUCKETS

REQUESTS = Counter(
    "gateway_upstream_requests_total",
    "Requests the gateway passed to a service's colour, by the status it answered.",
    ("service", "colour", "listener", "status_class"),
)
DURATION = Histogram(
    "gateway_upstream_duration_seconds",
    "The colour's time to answer, as the gateway measured it.",
    ("service", "colour", "listener"),
    buckets=LATENCY_BUCKETS,
)


STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "unanswered")


class Lines:
    """Access lines in, counts out."""

    def __init__(self, colours: dict[str, tuple[str, str]], listeners: dict[str, str]):
        self.colours = colours  # "127.0.0.1:5101" -> ("collections", "blue")
        self.listeners = listeners  # "8080" -> "public"
        # Every series exists from the start, at 0: a counter first seen at
        # its first error would lose that error to increase() (a canary's
        # first 5xx would not count against it).
        for where in colours.values():
            for listener in (*listeners.values(), "other"):
                DURATION.labels(*where, listener)
                for status_class in STATUS_CLASSES:
                    REQUESTS.labels(*where, listener, status_class)

    def count(self, datagram: bytes) -> None:
        text = datagram.decode("utf-8", "replace")
        if "{" not in text:
            return
        try:
            line = json.loads(text[text.index("{") :])
        except ValueError:
            return
        address = line.get("upstream", "").replace(" : ", ", ").split(", ")[-1]
        where = self.colours.get(address)
        if where is None:
            return  # the gateway's own answer, or not a colour
        status = line.get("upstream_status", "").replace(" : ", ", ").split(", ")[-1]
        listener = self.listeners.get(line.get("port", ""), "other")
        status_class = f"{status[0]}xx" if status[:1].isdigit() else "unanswered"
        REQUESTS.labels(*where, listener, status_class).inc()
        seconds = line.get("upstream_duration_s", "").replace(" : ", ", ").split(", ")[-1]
        with contextlib.suppress(ValueError):  # "-": no answer to time
            DURATION.labels(*where, listener).observe(float(seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--syslog-port", type=int, required=True)
    parser.add_argument("--port", type=int, required=True, help="where Prometheus scrapes")
    parser.add_argument("--colours", required=True, help='{"host:port": ["service", "colour"]}')
    parser.add_argument("--listeners", required=True, help='{"8080": "public", ...}')
    args = parser.parse_args()
    lines = Lines(
        {address: tuple(where) for address, where in json.loads(args.colours).items()},
        json.loads(args.listeners),
    )
    start_http_server(args.port, addr="127.0.0.1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", args.syslog_port))
        while True:
            lines.count(receiver.recv(65536))


if __name__ == "__main__":
    main()
