"""Log lines go out in batches, in order, and nothing waits long."""

import contextlib
import io
import json
import logging
import os
import time

from service_kit.telemetry.logs import BatchedHandler, JsonFormatter, configure


def batched(stream: io.StringIO, interval: float) -> logging.Logger:
    handler = BatchedHandler(stream, interval=interval)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"batched-{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def messages(stream: io.StringIO) -> list[str]:
    return [json.loads(line)["message"] for line in stream.getvalue().splitlines()]


def test_info_lines_wait_for_the_next_batch_then_go_out_in_order():
    stream = io.StringIO()
    logger = batched(stream, interval=0.2)

    for n in range(3):
        logger.info("line %d", n)
    waiting = messages(stream)
    time.sleep(0.5)

    assert waiting == []
    assert messages(stream) == ["line 0", "line 1", "line 2"]


def test_a_warning_goes_out_at_once_with_the_lines_before_it():
    stream = io.StringIO()
    logger = batched(stream, interval=60)

    logger.info("before")
    logger.warning("trouble")

    assert messages(stream) == ["before", "trouble"]


def test_flush_writes_what_waits():
    stream = io.StringIO()
    logger = batched(stream, interval=60)

    logger.info("at exit")
    logger.handlers[0].flush()

    assert messages(stream) == ["at exit"]


EVERY_ATTRIBUTE = (
    "%(asctime)s %(created)f %(filename)s %(funcName)s %(levelname)s %(levelno)s %(lineno)d"
    " %(module)s %(msecs)d %(message)s %(name)s %(pathname)s %(process)d %(processName)s"
    " %(relativeCreated)d %(thread)d %(threadName)s"
)


def test_after_configure_every_librarys_format_still_formats():
    """A library's own handler may use any record attribute (gunicorn's uses
    %(process)d); the cheaper records configure makes must still format."""
    configure("INFO", "collections")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(EVERY_ATTRIBUTE))
    logger = logging.getLogger("a-library")
    logger.handlers[:] = [handler]
    logger.propagate = False
    errors = io.StringIO()

    with contextlib.redirect_stderr(errors):
        logger.warning("formatted")

    assert "formatted" in stream.getvalue()
    assert str(os.getpid()) in stream.getvalue()
    assert "Logging error" not in errors.getvalue()
