"""Log lines go out in batches, in order, and nothing waits long."""

import io
import json
import logging
import time

from service_kit.telemetry.logs import BatchedHandler, JsonFormatter


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
