"""gunicorn's own answers (a request it cannot parse) as problem+json.

gunicorn answers a malformed request line, header or body framing itself,
before any app sees it, with a small HTML page. Every such answer goes
through one function, `gunicorn.util.write_error(sock, status, reason,
message)`; `install` replaces it so the answer has the shape every other
error has. A test sends such requests to a real gunicorn and reads the
answers, so a gunicorn that stops calling it fails loudly
(service_kit/tests/test_gunicorn.py).
"""

import uuid

import orjson
from gunicorn import util

from service_kit.web.errors import PROBLEM_JSON, problem_body
from service_kit.web.requests import REQUEST_ID_HEADER

MAX_DETAIL = 300


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `write_error`, answering problem+json (and a request id, as
    every answer has one; the request's own was never read)."""
    request_id = uuid.uuid4().hex
    detail = mesg[:MAX_DETAIL] or reason
    body = orjson.dumps(problem_body(status_int, request_id, detail))
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{REQUEST_ID_HEADER}: {request_id}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    util.write_error = write_problem
