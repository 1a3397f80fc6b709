"""Render the gateway's nginx config from gateway/templates and check it."""

import os
import shutil

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404
from pathlib import Path
from string import Template

from deploy import supervisor, wait
from deploy.platform import COLOURS, REPO_ROOT, SERVICES, Platform, Service
from deploy.state import ServiceState

TEMPLATES = REPO_ROOT / "gateway" / "templates"
SUFFIX = ".template"


class GatewayConfigError(RuntimeError):
    """nginx refused the rendered config; it was not loaded."""


def servers_line(addresses: dict[str, str], weights: dict[str, int]) -> str:
    """An upstream's server lines: the colours taking traffic, weighted in a canary."""
    if len(weights) == 1:
        [colour] = weights
        return f"server {addresses[colour]};"
    return " ".join(f"server {addresses[c]} weight={w};" for c, w in weights.items())


def origins_pattern(origins: list[str]) -> str:
    """A regex matching exactly these origins; one that matches nothing for none.
    (gateway/bin/cors.envsh makes the same one in the gateway image.)"""
    if not origins:
        return "(?!)"
    return "^(" + "|".join(origin.replace(".", r"\.") for origin in origins) + ")$"


def local_addresses(platform: Platform, service: Service) -> dict[str, str]:
    return {colour: f"127.0.0.1:{platform.port(service, colour)}" for colour in COLOURS}


def variables(platform: Platform, states: dict[str, ServiceState]) -> dict[str, str]:
    """The names the templates use, as the nginx image's envsubst would see them."""
    values = {
        "GATEWAY_RUN_DIR": str(platform.run_dir / "nginx"),
        "GATEWAY_STATIC_DIR": str(REPO_ROOT),
        "GATEWAY_PUBLIC_LISTEN": f"{platform.public_address}:{platform.public_port}",
        "GATEWAY_INTERNAL_LISTEN": f"127.0.0.1:{platform.internal_port}",
        "GATEWAY_RESOLVER": "127.0.0.1",
        "GATEWAY_CLIENT_CONNECTIONS": str(platform.client_connections),
        "GATEWAY_RATE": str(platform.rate),
        "GATEWAY_BURST": str(platform.burst),
        "GATEWAY_CORS_ORIGINS_PATTERN": origins_pattern(platform.cors_origins.split()),
    }
    for service in SERVICES:
        prefix = service.name.upper()
        addresses = local_addresses(platform, service)
        values[f"{prefix}_SERVERS"] = servers_line(addresses, states[service.name].weights())
        for colour, address in addresses.items():
            values[f"{prefix}_{colour.upper()}"] = address
    return values


def _render_file(source: Path, target_dir: Path, values: dict[str, str]) -> Path:
    relative = source.relative_to(TEMPLATES)
    if source.name.endswith(SUFFIX):
        relative = relative.with_name(source.name.removesuffix(SUFFIX))
        text = Template(source.read_text()).safe_substitute(values)
    else:
        text = source.read_text()
    destination = target_dir / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(text)
    return destination


def render_to(target: Path, values: dict[str, str]) -> Path:
    """Render every template into `target` as the nginx image lays it out in
    /etc/nginx (names the values lack stay as they are, as with envsubst)."""
    for source in sorted(TEMPLATES.rglob("*")):
        if source.is_file():
            _render_file(source, target, values)
    return target / "nginx.conf"


def upstream_text(service: Service, addresses: dict[str, str], state: ServiceState) -> str:
    """A service's upstream file routing as `state` says, to these addresses."""
    source = TEMPLATES / "upstreams" / f"{service.name}.conf{SUFFIX}"
    servers = {f"{service.name.upper()}_SERVERS": servers_line(addresses, state.weights())}
    return Template(source.read_text()).safe_substitute(servers)


def render(platform: Platform, states: dict[str, ServiceState]) -> Path:
    """Write the whole config under run_dir/nginx; return the main file's path."""
    return render_to(platform.run_dir / "nginx", variables(platform, states))


def reroute(platform: Platform, service: Service, state: ServiceState) -> None:
    """Point a service's upstream at the colours `state` names, then reload.

    Only that service's upstream file changes. If nginx -t refuses the result,
    the old file is put back and nothing is reloaded. After the reload, the
    old workers finish their requests (to the old colours) and exit; this
    returns once they have, so the old colour can then be stopped.
    """
    target = platform.run_dir / "nginx"
    live_file = target / "upstreams" / f"{service.name}.conf"
    backup = live_file.with_name(live_file.name + ".previous")
    shutil.copy2(live_file, backup)
    live_file.write_text(upstream_text(service, local_addresses(platform, service), state))
    try:
        check(target / "nginx.conf")
    except GatewayConfigError:
        os.replace(backup, live_file)
        raise
    backup.unlink()
    reload_and_drain(platform)


def reload_and_drain(platform: Platform, timeout: float = 160.0) -> None:
    """Reload nginx (SIGHUP to the master) and wait until its old workers exit."""
    master = int(supervisor.supervisorctl(platform, "pid", "gateway").strip() or 0)
    if not master:
        raise GatewayConfigError("the gateway is not running")
    old_workers = children_of(master)
    supervisor.supervisorctl(platform, "signal", "HUP", "gateway")
    try:
        wait.until(
            lambda: children_of(master) - old_workers,
            10.0,
            "nginx started no new workers",
            every=0.05,
        )
        wait.until(
            lambda: not old_workers & children_of(master),
            timeout,
            "old nginx workers still run",
            every=0.05,
        )
    except TimeoutError as error:
        raise GatewayConfigError(f"{error} of reloading") from error


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid ...": the name may hold spaces, so split after ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise GatewayConfigError(
            "nginx is not installed: run `make run` or `make test` as root,"
            " or `sudo apt-get install -y nginx`."
        )
    return found


def check(config_file: Path) -> None:
    """Run `nginx -t` on a rendered config; raise with nginx's words if it fails."""
    # Nginx -t on a config we rendered.
    result = subprocess.run(  # nosec B603
        [nginx_binary(), "-t", "-q", "-e", "stderr", "-c", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GatewayConfigError(result.stderr.strip() or result.stdout.strip())
