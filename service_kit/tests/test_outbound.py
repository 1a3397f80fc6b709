"""service_kit's bounded client against faults the real services cannot be made
to show on demand: a body that trickles, a 503 after a long wait, a 502 asking
to retry later, a 200 that is not JSON. The server here is a stand-in written
for those faults (a real HTTP server on loopback, not a mock object)."""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service_kit.web.outbound import BUDGET_SECONDS, BoundedClient, Unanswered

HARD_BOUND = 2.0


class FaultyHandler(BaseHTTPRequestHandler):
    calls: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        FaultyHandler.calls.append(self.path)
        fault = self.path.split("?")[0].strip("/")
        getattr(self, f"_{fault}")()

    def _send(self, status: int, body: bytes, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _ok(self):
        time.sleep(0.3)
        self._send(200, b'[{"name": "A"}]')

    def _trickle(self):
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(0.3)

    def _slow_503(self):
        time.sleep(1.1)
        self._send(503, b"{}")

    def _retry_later(self):
        self._send(502, b"{}", [("Retry-After", "5")])

    def _html(self):
        self._send(200, b"<html>hello</html>")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FaultyHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def timed_failure(client: BoundedClient, url: str) -> float:
    started = time.monotonic()
    with pytest.raises(Unanswered):
        client.get_json(url, [])
    return time.monotonic() - started


@pytest.mark.parametrize("fault", ["trickle", "slow_503"])
def test_a_slow_answer_fails_within_the_budget(server, fault):
    seconds = timed_failure(BoundedClient(), f"{server}/{fault}")

    assert BUDGET_SECONDS - 0.1 <= seconds < HARD_BOUND


def test_retry_after_is_not_waited_for(server):
    FaultyHandler.calls.clear()

    seconds = timed_failure(BoundedClient(), f"{server}/retry_later")

    assert seconds < 1.0
    assert len(FaultyHandler.calls) == 2  # the first try and its one retry


def test_a_200_that_is_not_json_is_unanswered(server):
    assert timed_failure(BoundedClient(), f"{server}/html") < 1.0


def test_a_refused_connection_fails_fast():
    assert timed_failure(BoundedClient(), "http://127.0.0.1:1/") < 1.0


def test_callers_asking_the_same_thing_at_once_share_one_request(server):
    client = BoundedClient()
    FaultyHandler.calls.clear()

    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda _: client.get_json(f"{server}/ok", [("name", "A")]), range(4))
        )

    assert answers == [[{"name": "A"}]] * 4
    assert len(FaultyHandler.calls) == 1


def test_a_call_that_must_not_share_sends_its_own_request(server):
    client = BoundedClient()
    FaultyHandler.calls.clear()

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: client.get_json(f"{server}/ok", [], share=False), range(3)))

    assert len(FaultyHandler.calls) == 3


def test_a_request_that_is_over_before_it_is_registered_does_not_hang_the_caller():
    """A refused connection can fail before `_call` has registered its clean-up;
    the clean-up then runs at once in the caller's thread. That timing cannot
    be caused on demand, so the pool here hands back a request already failed
    (a stand-in for the real pool: the one mock in this file)."""
    client = BoundedClient(budget=1.0)
    finished = Future()
    finished.set_exception(Unanswered("refused"))
    client.pool.submit = lambda *args, **kwargs: finished
    caller = ThreadPoolExecutor(1)

    outcome = caller.submit(client.get_json, "http://127.0.0.1:1/x", [])

    with pytest.raises(Unanswered):
        outcome.result(timeout=5)  # it hung for good while the guard was held
    assert client.pending == {}
    caller.shutdown()
