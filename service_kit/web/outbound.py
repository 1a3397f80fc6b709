"""GETs to other services with one hard deadline, shared by callers alike.

Each call has a budget (under 2 s by default) for everything: name lookup,
connect, a retry, reading a slow or trickling body. The request runs on a
small pool of threads and the caller waits for it at most until the
deadline, so a dependency that hangs never holds a request worker longer.
Only GETs are made, so the one retry (a refused connection, or a 502, 503 or
504 from the gateway) is safe; a server's Retry-After is not waited for.
Callers asking the same thing at the same time share one request and one
answer, while that request has most of its time left.
"""

import contextvars
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urljoin, urlsplit

import orjson
import urllib3
from opentelemetry.trace import SpanKind
from requests.utils import parse_header_links
from urllib3.util import Retry

from service_kit.access.client import ClientCredentials, NoToken
from service_kit.telemetry import metrics, traces
from service_kit.web.errors import DependencyUnavailable
from service_kit.web.requests import REQUEST_ID_HEADER, current_request_id

log = logging.getLogger(__name__)

BUDGET_SECONDS = 1.8
CONNECT_SECONDS = 0.3
RETRY = Retry(
    total=1,
    connect=1,
    read=0,
    status=1,
    other=0,
    status_forcelist=(502, 503, 504),
    allowed_methods=frozenset({"GET"}),
    backoff_factor=0.05,
    respect_retry_after_header=False,
    raise_on_status=False,
)
MAX_BODY_BYTES = 16 * 1024 * 1024


class Unanswered(Exception):
    """The other service gave no usable answer in time."""


class BoundedClient:
    """A keep-alive HTTP client whose GETs never outlast their budget."""

    def __init__(
        self,
        threads: int = 8,
        budget: float = BUDGET_SECONDS,
        token: ClientCredentials | None = None,
    ):
        """`token`: this service's own, sent with every call (none: calls
        go without one, and a service that needs one refuses them)."""
        self.budget = budget
        self.token = token
        # urllib3 itself (what requests runs on): a call between services needs
        # none of requests' conveniences (cookies, proxies and netrc from the
        # environment, hooks), and they were half of a call's CPU.
        self.http = urllib3.PoolManager(maxsize=threads, retries=RETRY)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="outbound")
        self.guard = threading.Lock()
        self.pending: dict[tuple, tuple[Future, float]] = {}

    def get_json(self, url: str, params: list[tuple[str, str]], share: bool = True):
        """The JSON body of a 200 answer; raise Unanswered for anything else or late.

        `share=False` always sends a request of its own: an answer that must
        reflect every write acknowledged before the call (a change feed)
        cannot come from a request that started earlier.
        """
        return self._call(url, params, share)[0]

    def get_pages(self, url: str, params: list[tuple[str, str]], max_pages: int):
        """Yield the JSON body of each page, following `Link: rel="next"`."""
        for _ in range(max_pages):
            body, following = self._call(url, params)
            yield body
            if following is None:
                return
            url, params = urljoin(url, following), []
        raise Unanswered(f"{url}: more than {max_pages} pages")

    def _call(self, url: str, params: list[tuple[str, str]], share: bool = True):
        now = time.monotonic()
        deadline = now + self.budget
        key = (url, tuple(params))
        submitted = False
        with self.guard:
            future, its_deadline = self.pending.get(key, (None, 0.0)) if share else (None, 0.0)
            # Join a request under way only while it has most of its time
            # left; one about to give up would hand its failure to a caller
            # that could still get an answer (the dependency may be back).
            if future is None or its_deadline - now < self.budget / 2:
                # In the caller's context: the call continues its trace.
                future = self.pool.submit(
                    contextvars.copy_context().run,
                    self._get,
                    url,
                    params,
                    deadline,
                    current_request_id(),
                )
                self.pending[key] = (future, deadline)
                submitted = True
        if submitted:
            # Outside the guard: on a future already done (a refused
            # connection can fail that fast) the callback runs here, at once,
            # and takes the guard itself.
            future.add_done_callback(lambda done: self._forget(key, done))
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout as error:
            raise Unanswered(f"no answer from {url} within {self.budget} s") from error

    def _forget(self, key: tuple, future: Future) -> None:
        with self.guard:
            if self.pending.get(key, (None,))[0] is future:
                del self.pending[key]

    def _get(self, url: str, params: list, deadline: float, request_id: str | None):
        dependency = _dependency(url)
        with traces.span(f"GET {dependency}", SpanKind.CLIENT, **{"url.full": url}):
            return self._traced_get(url, params, deadline, request_id, dependency)

    def _traced_get(
        self, url: str, params: list, deadline: float, request_id: str | None, dependency: str
    ):
        headers = {REQUEST_ID_HEADER: request_id} if request_id else {}
        headers |= traces.outgoing_headers()
        try:
            if self.token is not None:
                headers["Authorization"] = self.token.authorization()
        except NoToken as error:
            raise Unanswered(str(error)) from error
        remaining = deadline - time.monotonic()
        started, outcome = time.perf_counter(), "unanswered"
        try:
            response = self.http.request(
                "GET",
                url,
                fields=params,
                headers=headers,
                preload_content=False,
                timeout=urllib3.Timeout(
                    connect=min(CONNECT_SECONDS, remaining), read=max(remaining, 0.01)
                ),
            )
            try:
                outcome = "ok" if response.status == 200 else f"{response.status // 100}xx"
                if response.status != 200:
                    if response.status in (401, 403):
                        log.error("%s refused this service's token: %s", url, response.status)
                    raise Unanswered(f"{url} answered {response.status}")
                body = _read_until(response, url, deadline)
                following = _next_page(response.headers.get("Link"))
            finally:
                response.release_conn()
            return _json(body, url), following
        except urllib3.exceptions.HTTPError as error:
            outcome = "unanswered"
            raise Unanswered(f"{url}: {error}") from error
        except Unanswered:
            outcome = "unanswered" if outcome == "ok" else outcome  # late or not JSON
            raise
        finally:
            metrics.outbound(dependency, outcome, time.perf_counter() - started)


def _dependency(url: str) -> str:
    """The service a URL of the API names (/api/v1/locations: locations)."""
    parts = urlsplit(url).path.split("/")
    return parts[3] if len(parts) > 3 and parts[1] in ("api", "internal") else "other"


def _read_until(response: urllib3.BaseHTTPResponse, url: str, deadline: float) -> bytes:
    """The body, unless it is still arriving at the deadline (a trickle)."""
    chunks, size = [], 0
    for chunk in response.stream(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline or size > MAX_BODY_BYTES:
            raise Unanswered(f"{url}: the body did not arrive in time")
    return b"".join(chunks)


def _next_page(link: str | None) -> str | None:
    """The URL of a `Link` header's rel="next" (RFC 8288), if it has one."""
    for found in parse_header_links(link or ""):
        if found.get("rel") == "next":
            return found.get("url")
    return None


def _json(body: bytes, url: str):
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise Unanswered(f"{url} did not answer JSON") from error


def unavailable(service: str, consequence: str) -> DependencyUnavailable:
    """The 503 for a dependency that did not answer."""
    return DependencyUnavailable(
        f"The {service} service did not answer in time, so {consequence}. Try again shortly."
    )
