"""Render the gateway's nginx config from gateway/templates and check it."""

import shutil
import subprocess
from pathlib import Path
from string import Template

from deploy.platform import REPO_ROOT, SERVICES, Platform

TEMPLATES = REPO_ROOT / "gateway" / "templates"
SUFFIX = ".template"


class GatewayConfigError(RuntimeError):
    """nginx refused the rendered config; it was not loaded."""


def variables(platform: Platform) -> dict[str, str]:
    """The names the templates use, as the nginx image's envsubst would see them."""
    values = {
        "GATEWAY_RUN_DIR": str(platform.run_dir / "nginx"),
        "GATEWAY_PUBLIC_LISTEN": str(platform.public_port),
        "GATEWAY_INTERNAL_LISTEN": f"127.0.0.1:{platform.internal_port}",
    }
    for service in SERVICES:
        values[f"{service.name.upper()}_UPSTREAM"] = f"127.0.0.1:{platform.port(service)}"
    return values


def render(platform: Platform) -> Path:
    """Write the whole config under run_dir/nginx; return the main file's path."""
    target = platform.run_dir / "nginx"
    target.mkdir(parents=True, exist_ok=True)
    values = variables(platform)
    for source in sorted(TEMPLATES.rglob("*")):
        if source.is_dir():
            continue
        relative = source.relative_to(TEMPLATES)
        if source.name.endswith(SUFFIX):
            relative = relative.with_name(source.name.removesuffix(SUFFIX))
            text = Template(source.read_text()).safe_substitute(values)
        else:
            text = source.read_text()
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text)
    return target / "nginx.conf"


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
    result = subprocess.run(
        [nginx_binary(), "-t", "-q", "-e", "stderr", "-c", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GatewayConfigError(result.stderr.strip() or result.stdout.strip())
