"""JSON log lines on stderr, one object per line, written in batches."""

import functools
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime

import orjson

from service_kit.telemetry import traces

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra` fields as one JSON object, tagged with
    the service's name when there is one."""

    def __init__(self, service: str | None = None):
        super().__init__()
        self.tag = {"service": service} if service else {}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **self.tag,
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if ids := traces.current_ids():  # the trace this line belongs to
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class BatchedHandler(logging.Handler):
    """Log lines to a stream in batches, not one write per line.

    Every write to a pipe wakes whatever reads it (supervisord here, Docker
    in a container), which costs more than the line: at 1,500 requests a
    second supervisord spent ~0.05 ms of CPU a request relaying access lines
    one by one. A line waits here at most `interval` seconds; a record at
    WARNING or above goes out at once with every line before it, and so does
    what waits at exit (logging.shutdown flushes every handler).
    """

    def __init__(self, stream, interval: float = 0.2, most: int = 1000):
        super().__init__()
        self.stream, self.interval, self.most = stream, interval, most
        self.pending: list[str] = []
        self._start_flushing()
        # A forked worker has no thread of its parent's: it starts its own.
        os.register_at_fork(after_in_child=self._start_flushing)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.pending.append(self.format(record) + "\n")
            if record.levelno >= logging.WARNING or len(self.pending) >= self.most:
                self._write()
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:
            self._write()

    def _write(self) -> None:
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            self.stream.write(text)
            self.stream.flush()

    def _start_flushing(self) -> None:
        threading.Thread(target=self._flush_every, name="log-flush", daemon=True).start()

    def _flush_every(self) -> None:
        while True:
            time.sleep(self.interval)
            self.flush()


@functools.cache
def _process_handler() -> BatchedHandler:
    """One handler per process, however many apps it builds (tests build many)."""
    return BatchedHandler(sys.stderr)


def configure(level: str, service: str) -> None:
    """Send every log record to stderr as JSON, tagged with the service name."""
    handler = _process_handler()
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Readiness checks open a migration context each time; its chatter is noise.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # Nothing the lines hold comes from the caller's frame: not walking the
    # stack for it saves a third of an access line's cost (the logging
    # HOWTO's "Optimization"). Records keep their process and thread, which
    # other formats (gunicorn's own: `[%(process)d]`) need to format at all.
    logging._srcfile = None
