"""Deploy, roll back and canary one service, whatever runs its colours.

The steps are the same on the local platform (supervisord and nginx here) and
in docker-compose; a backend does each step its own way. The state changes
only once the gateway has taken the new routing, so a failed command leaves
the live colour serving exactly as before.
"""

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

from deploy.platform import Service
from deploy.releases import Resolved
from deploy.state import Release, ServiceState

READY_TIMEOUT = 60.0
# Reads a started colour answers (WARM_UP_AT_ONCE at a time) after its smoke
# test and before it takes traffic: its first requests open database
# connections and fill caches, which clients should not wait for and a
# canary should not be judged on.
WARM_UP_READS = 32
WARM_UP_AT_ONCE = 4
# One read per service that needs its database and its code: a smoke test,
# with a token for just that read.
SMOKE_READS = {
    "collections": ("/api/v1/collections?limit=1", "collections:read"),
    "locations": ("/api/v1/locations?limit=1", "locations:read"),
    "analytics": ("/api/v1/analytics/summary", "analytics:read"),
}


class DeployFailed(RuntimeError):
    """A step failed; the live colour kept serving as before.

    `state`, when set, is what must be saved anyway: a failed start of a
    new release has replaced the idle colour's release, which can no longer be rolled
    back to.
    """

    def __init__(self, message: str, state: ServiceState | None = None):
        super().__init__(message)
        self.state = state


class Backend(Protocol):
    def start(self, service: Service, colour: str, source: Resolved | None) -> Release | None:
        """Start a colour: with a `source`, a new release of that version after
        its migrations; without, the release the colour holds."""

    def stop(self, service: Service, colour: str) -> None:
        """Stop a colour once it takes no traffic (it finishes what it has)."""

    def get(
        self, service: Service, colour: str, path: str, token: str | None = None
    ) -> tuple[int, str, str]:
        """GET `path` from that colour alone (with `token`, if any): status,
        content type, body (status 0 when nothing answered)."""

    def token(self, scope: str) -> str:
        """A short-lived token with `scope`, from the system's identity provider."""

    def process(self, service: Service, colour: str) -> str:
        """A colour's process state: RUNNING, STOPPED, EXITED..."""

    def failed(self, service: Service, colour: str) -> str | None:
        """Why a started colour is no longer running, or None while it runs."""

    def route(self, service: Service, state: ServiceState) -> None:
        """Send the service's traffic where `state` says; return once the old
        routing has finished its requests. Raise and change nothing on failure."""


@dataclass(frozen=True)
class Run:
    """How one command runs its steps: on what, telling whom, waiting how long."""

    backend: Backend
    say: Callable[[str], None]
    ready_timeout: float = READY_TIMEOUT


def deploy(
    run: Run, service: Service, state: ServiceState, source: Resolved | None
) -> ServiceState:
    """The idle colour takes all traffic: started from `source`, or, during a
    canary, the canary colour as it runs."""
    if state.canary_percent:
        run.say(f"{service.name}: promoting the canary ({state.idle})")
        new = replace(state, live=state.idle, canary_percent=0, previous=state.live)
        return _switch(run, service, state, new, started=None)
    release = _bring_up(run, service, state, state.idle, source)
    new = ServiceState(
        live=state.idle, previous=state.live, releases=state.releases | {state.idle: release}
    )
    return _switch(run, service, state, new, started=state.idle, replaced=True)


def rollback(run: Run, service: Service, state: ServiceState) -> ServiceState:
    """End a canary, or give traffic back to the colour that was live before."""
    if state.canary_percent:
        run.say(f"{service.name}: ending the canary; {state.live} keeps all traffic")
        new = replace(state, canary_percent=0, previous=None)
        return _switch(run, service, state, new, started=None)
    if state.previous is None:
        raise DeployFailed(f"{service.name}: no earlier release to roll back to")
    _bring_up(run, service, state, state.previous, None)
    new = replace(state, live=state.previous, previous=state.live)
    return _switch(run, service, state, new, started=state.previous)


def canary(
    run: Run, service: Service, state: ServiceState, percent: int, source: Resolved | None
) -> ServiceState:
    """Send `percent` of the service's requests to the idle colour (started from
    `source` unless a canary already runs)."""
    if not 1 <= percent <= 99:
        raise DeployFailed("a canary takes 1 to 99 percent; deploy or rollback ends it")
    if state.canary_percent:
        new = replace(state, canary_percent=percent)
        started = None
    else:
        release = _bring_up(run, service, state, state.idle, source)
        releases = state.releases | {state.idle: release}
        new = replace(state, canary_percent=percent, previous=None, releases=releases)
        started = state.idle
    run.say(f"{service.name}: {state.idle} takes {percent}%, {state.live} {100 - percent}%")
    _route(run, service, state, new, started, replaced=started is not None)
    return new


def _bring_up(
    run: Run, service: Service, state: ServiceState, colour: str, source: Resolved | None
) -> Release | None:
    """Start a colour, wait until it is ready and passes its smoke test."""
    run.say(f"{service.name}: starting {colour}" + (f" at {source.version}" if source else ""))
    try:
        release = run.backend.start(service, colour, source)
        _wait_ready(run, service, colour)
        _smoke_test(run.backend, service, colour)
        _warm_up(run.backend, service, colour)
    # Whatever went wrong (Ctrl-C too), the colour started for this command
    # must not stay up.
    except BaseException as error:
        run.say(f"{service.name}: {colour} failed, stopping it; nothing was switched")
        run.backend.stop(service, colour)
        left = _forget(state, colour) if source else None
        said = str(error) or f"was interrupted ({type(error).__name__})"
        raise DeployFailed(f"{service.name}: {colour} {said}", left) from error
    run.say(f"{service.name}: {colour} is ready and passed its smoke test")
    return release


def _switch(
    run: Run,
    service: Service,
    old: ServiceState,
    new: ServiceState,
    started: str | None,
    replaced: bool = False,
) -> ServiceState:
    """Route all traffic to new.live, then stop the colour that lost it."""
    stopping = old.idle if new.live == old.live else old.live
    run.say(f"{service.name}: switching all traffic to {new.live}")
    _route(run, service, old, new, started, replaced)
    run.say(f"{service.name}: {stopping}'s requests are done; stopping it")
    run.backend.stop(service, stopping)
    return new


def _route(
    run: Run,
    service: Service,
    old: ServiceState,
    new: ServiceState,
    started: str | None,
    replaced: bool,
) -> None:
    """Have the gateway route as `new` says; on failure, stop what this command
    started (`started`) and leave the routing as it was."""
    try:
        run.backend.route(service, new)
    except Exception as error:
        if started:
            run.backend.stop(service, started)
        left = _forget(old, started) if replaced else None
        raise DeployFailed(
            f"{service.name}: the gateway kept its routing: {error}", left
        ) from error


def _forget(state: ServiceState, colour: str) -> ServiceState:
    """The state once `colour`'s release folder holds code that never went live:
    there is nothing there to roll back to."""
    releases = {c: r for c, r in state.releases.items() if c != colour}
    return replace(state, previous=None, releases=releases)


def _wait_ready(run: Run, service: Service, colour: str) -> None:
    backend = run.backend
    deadline = time.monotonic() + run.ready_timeout
    while True:
        status, _, body = backend.get(service, colour, "/health/ready")
        if status == 200:
            return
        if reason := backend.failed(service, colour):
            raise DeployFailed(f"stopped before it was ready: {reason}")
        if time.monotonic() > deadline:
            raise DeployFailed(f"not ready after {run.ready_timeout:.0f}s: {status} {body[:300]}")
        time.sleep(0.25)


def _smoke_test(backend: Backend, service: Service, colour: str) -> None:
    path, scope = SMOKE_READS[service.name]
    status, content_type, body = backend.get(service, colour, path, backend.token(scope))
    if status != 200 or not content_type.startswith("application/json"):
        raise DeployFailed(f"failed its smoke test: GET {path} gave {status} {body[:300]}")
    json.loads(body)


def _warm_up(backend: Backend, service: Service, colour: str) -> None:
    """The smoke test's read, WARM_UP_READS times; what they answer does not matter."""
    path, scope = SMOKE_READS[service.name]
    token = backend.token(scope)
    with ThreadPoolExecutor(WARM_UP_AT_ONCE) as pool:
        list(pool.map(lambda _: backend.get(service, colour, path, token), range(WARM_UP_READS)))
