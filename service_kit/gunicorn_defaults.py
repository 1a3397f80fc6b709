"""gunicorn settings shared by every service (each service's gunicorn.conf.py
imports these; the bind address is given on the command line)."""

import gc
import os

from gunicorn import glogging

from service_kit import memory
from service_kit.telemetry import metrics
from service_kit.web import gunicorn_errors

# In the master, before any thread: the forked workers inherit it.
memory.limit_arenas()
# gunicorn's answers to requests it cannot parse: problem+json, like every other.
gunicorn_errors.install()

# One worker per service by default: each more costs ~80-100 MB, and on a
# small machine three services' workers already keep every core busy
# (docs/performance.md). Its threads carry it through database and network
# waits; idle keep-alive connections from nginx wait in gthread's own loop,
# not in a thread. Four, not eight: with more, threads mostly wait for the
# GIL, and each hand-over costs CPU (GET one, POST and lists all answered
# faster with 4 than with 8, and the tail at half load was shorter).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Longer than nginx's upstream keep-alive so nginx closes idle connections first.
keepalive = 75
timeout = 30
graceful_timeout = 30
# Above nginx's 8 KiB header buffers, so nginx's problem+json 414 applies first.
limit_request_line = 8190
limit_request_field_size = 16380
# The workers' heartbeat file, touched on every loop: in memory, never a disk
# journal (gunicorn's own advice; /tmp may be on disk or overlayfs).
# Gunicorn's own advice.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec B108
accesslog = None
errorlog = "-"
logger_class = "service_kit.gunicorn_defaults.Logger"
# One host runs several gunicorns (colours, tests); a shared control socket
# path in $HOME would collide, and nothing uses it.
control_socket_disable = True


# The release's version (deploy/releases.py writes it beside the code, and
# the colour runs from that folder), for the workers' metrics.
if os.path.isfile("VERSION") and "SERVICE_VERSION" not in os.environ:
    with open("VERSION") as release:
        raw_env = [f"SERVICE_VERSION={release.read().strip()}"]


def on_starting(server):
    """A fresh start counts from zero: the last run's workers' files go."""
    metrics.clear_multiprocess_dir()


def child_exit(server, worker):
    """A dead worker's live gauges (in flight, connections) stop counting."""
    metrics.worker_exited(worker.pid)


def post_worker_init(worker):
    """Move everything the app made at start out of the garbage collector's
    way: otherwise a full collection walks it all again (tens of ms with every
    thread of the worker stopped), the worst of the latency tail."""
    gc.collect()
    gc.freeze()


class Logger(glogging.Logger):
    """gunicorn's logger without gunicorn's access lines. Each request's line
    is the service's own (service_kit/web/requests.py); gunicorn would build
    its own anyway once `logconfig_dict` is set (every field, a date in an
    e-mail's format) only for a logger with no handler: 5-8% of a worker's
    CPU on the analytics queries. (service_kit/tests/test_gunicorn.py pins
    that gunicorn still asks this property before building them.)"""

    access_log_enabled = False


def log_config(service: str) -> dict:
    """gunicorn's own lines (a worker booting or exiting, an invalid request)
    as the service's JSON lines on stderr: gunicorn's `logconfig_dict`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # The app gives the root logger its handler in each worker (logs.py).
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {
            "json": {"()": "service_kit.telemetry.logs.JsonFormatter", "service": service}
        },
    }
