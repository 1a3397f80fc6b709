"""Start, wait for and stop one copy of the system on this machine."""

import ctypes
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from deploy import databases, gateway, supervisor
from deploy.platform import SERVICES, Platform

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class PortInUse(RuntimeError):
    """A port the platform needs is taken (another copy running?)."""


def prepare(platform: Platform) -> Path:
    """Migrate every database, render and check the configs; return supervisord's."""
    check_ports_free(platform)
    databases.prepare(platform)
    gateway_config = gateway.render(platform)
    gateway.check(gateway_config)
    return supervisor.render(platform, gateway_config)


def supervisord_command(platform: Platform, config: Path) -> list[str]:
    return [str(platform.bin_dir / "supervisord"), "-c", str(config)]


def supervisorctl(platform: Platform, *args: str) -> str:
    """Run a supervisorctl command against this platform's supervisord."""
    config = platform.run_dir / "supervisord.conf"
    result = subprocess.run(
        [str(platform.bin_dir / "supervisorctl"), "-c", str(config), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout


def wait_ready(platform: Platform, timeout: float = 30.0) -> None:
    """Wait until every service answers ready through the internal listener."""
    deadline = time.monotonic() + timeout
    for service in SERVICES:
        url = f"{platform.internal_url}/internal/health/{service.name}/ready"
        while (problem := _not_ready(url)) is not None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service.name} not ready after {timeout:.0f}s: {problem}")
            time.sleep(0.2)


def _not_ready(url: str) -> str | None:
    """None when `url` answers 200, else what it answered."""
    try:
        response = requests.get(url, timeout=2)
    except requests.RequestException as error:  # refused, or a worker still booting
        return str(error)
    return None if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"


def check_ports_free(platform: Platform) -> None:
    ports = [platform.public_port, platform.internal_port]
    ports += [platform.port(service) for service in SERVICES]
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


def spawn(platform: Platform) -> subprocess.Popen:
    """Prepare, then start supervisord as a child that dies with this process."""
    command = supervisord_command(platform, prepare(platform))
    return subprocess.Popen(command, preexec_fn=stop_with_parent)


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
