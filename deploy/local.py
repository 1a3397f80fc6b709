"""Start, wait for and stop one copy of the system on this machine, and run
each service's colours on it for the deploy commands (deploy/switch.py)."""

import ctypes
import os
import signal
import socket

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from deploy import (
    databases,
    gateway,
    history,
    keys,
    monitoring,
    public_api,
    releases,
    state,
    supervisor,
    wait,
)
from deploy.platform import COLOURS, SERVICES, Platform, Service, service_named
from deploy.state import Release, ServiceState
from service_kit.data import pg_admin

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class PortInUse(RuntimeError):
    """A port the platform needs is taken (another copy running?)."""


def prepare(platform: Platform) -> Path:
    """Make each live colour's release from the working tree, migrate, render
    and check the configs.

    The live colour of each service is kept from the last run (a canary is
    not); returns supervisord's config.
    """
    check_ports_free(platform)
    keys.ensure(platform.keys)
    platform.save()
    source = releases.WORKING_TREE.resolve()
    with state.locked(platform.run_dir):
        states = state.load(platform.run_dir)
        for service in SERVICES:
            current = states[service.name]
            current.canary_percent = 0
            release = releases.make(platform, service, current.live, source)
            current.releases[current.live] = release
            history.record(
                platform.run_dir,
                service.name,
                "start",
                "done",
                colour=current.live,
                ref=release.ref,
                commit=release.commit,
                version=release.version,
                requirements=release.requirements,
            )
        state.save(platform.run_dir, states)
    databases.prepare(platform, {name: s.live for name, s in states.items()})
    gateway_config = gateway.render(platform, states)
    if platform.monitor:
        monitoring.render(platform, {name: [s.live] for name, s in states.items()})
    gateway.check(gateway_config)
    return supervisor.render(platform, states, gateway.nginx_binary(), gateway_config)


class LocalColours:
    """The colours as supervisord programs, reached through this gateway."""

    def __init__(self, platform: Platform):
        self.platform = platform

    def start(
        self, service: Service, colour: str, source: releases.Resolved | None
    ) -> Release | None:
        release = None
        if source is not None:
            release = releases.make(self.platform, service, colour, source)
            databases.migrate(self.platform, service, colour)
        elif not releases.exists(self.platform, service, colour):
            raise FileNotFoundError(f"{colour} has no release to start")
        supervisor.supervisorctl(self.platform, "start", service.program(colour), check=True)
        self._scrape(service, add=colour)
        return release

    def stop(self, service: Service, colour: str) -> None:
        supervisor.supervisorctl(self.platform, "stop", service.program(colour))
        self._scrape(service, drop=colour)

    def _scrape(self, service: Service, add: str | None = None, drop: str | None = None) -> None:
        """Tell Prometheus that a colour started (`add`) or stopped (`drop`):
        it scrapes each colour from its start to its stop."""
        colours = set(monitoring.scraped(self.platform).get(service.name, [])) | {add}
        monitoring.scrape_colours(self.platform, service.name, sorted(colours - {None, drop}))

    def get(
        self, service: Service, colour: str, path: str, token: str | None = None
    ) -> tuple[int, str, str]:
        url = f"{self.platform.internal_url}/internal/colours/{service.name}/{colour}{path}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = requests.get(url, headers=headers, timeout=3)
        except requests.RequestException as error:
            return 0, "", str(error)
        return response.status_code, response.headers.get("Content-Type", ""), response.text

    def token(self, scope: str) -> str:
        return keys.mint(self.platform.keys, "deploy", scope, seconds=60)

    def process(self, service: Service, colour: str) -> str:
        return programs_state(self.platform).get(service.program(colour), "NOT STARTED")

    def failed(self, service: Service, colour: str) -> str | None:
        program = service.program(colour)
        process = self.process(service, colour)
        if process in ("RUNNING", "STARTING"):
            return None
        log = self.platform.run_dir / "logs" / f"{program}.log"
        last = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        return f"{program} is {process}: " + " | ".join(last)

    def route(self, service: Service, new: ServiceState) -> None:
        gateway.reroute(self.platform, service, new)
        public_api.publish(self.platform, live_colours(self.platform) | {service.name: new.live})


def live_colours(platform: Platform) -> dict[str, str]:
    """Each service's live colour, by name."""
    return {name: s.live for name, s in state.load(platform.run_dir).items()}


def live_program(platform: Platform, service_name: str) -> str:
    """The supervisord program of a service's live colour."""
    live = state.load(platform.run_dir)[service_name].live
    return service_named(service_name).program(live)


def programs_state(platform: Platform) -> dict[str, str]:
    """Each supervisord program's state (RUNNING, STOPPED, FATAL...)."""
    lines = supervisor.supervisorctl(platform, "status").splitlines()
    return {line.split()[0]: line.split()[1] for line in lines if len(line.split()) > 1}


def wait_ready(platform: Platform, timeout: float = 30.0) -> None:
    """Wait until every service answers ready through the internal listener,
    then publish the public API's document of the live colours."""
    deadline = time.monotonic() + timeout
    for service in SERVICES:
        url = f"{platform.internal_url}/internal/health/{service.name}/ready"
        while (problem := _not_ready(url)) is not None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service.name} not ready after {timeout:.0f}s: {problem}")
            time.sleep(0.2)
    public_api.publish(platform, live_colours(platform))


def _not_ready(url: str) -> str | None:
    """None when `url` answers 200, else what it answered."""
    try:
        response = requests.get(url, timeout=2)
    except requests.RequestException as error:  # refused, or a worker still booting
        return str(error)
    return None if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"


def check_ports_free(platform: Platform) -> None:
    ports = [platform.public_port, platform.internal_port, platform.issuer_port]
    ports += [platform.port(service, colour) for service in SERVICES for colour in COLOURS]
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                raise PortInUse(
                    f"port {port} is in use ({error.strerror}); is the system already running?"
                ) from error


def stop_with_parent() -> None:
    """In a child before exec: the kernel sends it SIGTERM if its parent dies.

    Ctrl-C in a terminal reaches the whole process group anyway; this covers
    a parent killed on its own (a `make run` or a test run killed), so
    supervisord, and with it everything it started, never outlives it.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def supervisord_command(platform: Platform, config: Path) -> list[str]:
    return [str(platform.bin_dir / "supervisord"), "-c", str(config)]


def spawn(platform: Platform) -> subprocess.Popen:
    """Prepare, then start supervisord as a child that dies with this process."""
    command = supervisord_command(platform, prepare(platform))
    # Supervisord from the venv with its rendered config.
    return subprocess.Popen(command, preexec_fn=stop_with_parent)  # nosec B603


def start(platform: Platform) -> subprocess.Popen:
    """Prepare, then run supervisord in the background until it is ready."""
    process = spawn(platform)
    try:
        wait_ready(platform)
    except TimeoutError:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen, timeout: float = 40.0) -> None:
    """Stop supervisord, which stops (and waits for) everything it started."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def throwaway(platform: Platform, admin_url: str) -> Iterator[Platform]:
    """Run a copy of the system for a while (tests, benchmarks), then stop it
    and drop its PostgreSQL databases through `admin_url`."""
    process = start(platform)
    try:
        yield platform
    finally:
        stop(process)
        for service in SERVICES:
            pg_admin.drop_database(admin_url, f"{platform.database_prefix}{service.name}")


def up(platform: Platform) -> None:
    """Start everything in the background (its own session: it outlives this
    command) and return once it is ready; `down` stops it."""
    command = supervisord_command(platform, prepare(platform))
    log = open(platform.run_dir / "logs" / "supervisord.out", "ab")  # noqa: SIM115 (kept by the child)
    # Supervisord from the venv with its rendered config.
    process = subprocess.Popen(  # nosec B603
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_ready(platform, timeout=60)
        wait_running(platform, timeout=10)
    except TimeoutError:
        stop(process)
        raise


def wait_running(platform: Platform, timeout: float) -> None:
    """Wait until supervisord counts every live program as started: a worker
    can answer ready within its program's `startsecs`, while it still shows
    STARTING, and `up` returns a settled state."""
    programs = [live_program(platform, service.name) for service in SERVICES]

    def running() -> bool:
        states = programs_state(platform)
        return all(states.get(name) == "RUNNING" for name in programs)

    wait.until(running, timeout, f"not all of {programs} RUNNING")


def down(platform: Platform, timeout: float = 200.0) -> bool:
    """Stop a platform started with `up`; False when it was not running."""
    pid_file = platform.run_dir / "supervisord.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    process = Path(f"/proc/{pid}")
    wait.until(lambda: not process.exists(), timeout, f"supervisord (pid {pid}) still running")
    return True
