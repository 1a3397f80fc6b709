"""The deploy commands' docker-compose backend (`python -m deploy --compose ...`).

The same steps as on the local platform (deploy/switch.py), done with the
docker CLI: a colour is a compose service (`collections-green`), the image
tag ($TAG) is its version, smoke tests go through the gateway's internal
listener from inside the gateway container, and `gateway-route`
(gateway/bin/route.sh, in the gateway image) swaps one upstream file, checks
it with nginx -t and reloads.
"""

import json
import os
import re
import shlex

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404
from pathlib import Path

from deploy import gateway
from deploy.platform import COLOURS, REPO_ROOT, Service
from deploy.releases import Resolved, deployer
from deploy.state import Release, ServiceState

GATEWAY_DOCKERFILE = REPO_ROOT / "gateway" / "Dockerfile"
INTERNAL = "http://127.0.0.1:8081"
STATE_DIR = REPO_ROOT / "var" / "compose"
# The issuer container's keys volume (docker-compose.yml).
ISSUER_KEYS = "/keys"


class ComposeError(RuntimeError):
    """A docker compose command failed; its output says why."""


def addresses(service: Service) -> dict[str, str]:
    """Each colour's address on the compose network (each its own container)."""
    return {colour: f"{service.program(colour)}:{service.blue_port}" for colour in COLOURS}


def gateway_environment() -> dict[str, str]:
    """The variables the gateway image renders its templates with (its ENV,
    and what gateway/bin/cors.envsh adds to it)."""
    text = GATEWAY_DOCKERFILE.read_text().replace("\\\n", " ")
    values = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line.removeprefix("ENV ")):
                name, _, value = pair.partition("=")
                values[name] = value
    origins = values.get("GATEWAY_CORS_ORIGINS", "").split()
    values["GATEWAY_CORS_ORIGINS_PATTERN"] = gateway.origins_pattern(origins)
    return values


def render_gateway(target: Path) -> Path:
    """The gateway config as the image renders it, written under `target`."""
    return gateway.render_to(target, gateway_environment())


class ComposeColours:
    """The colours as docker-compose services, driven with `docker compose`."""

    def __init__(self, tag: str | None = None):
        self.tag = tag or os.environ.get("TAG", "dev")

    def _compose(self, *args: str, stdin: str | None = None, check: bool = True):
        # The docker CLI, found on PATH as an operator would run it.
        result = subprocess.run(  # nosec B603 B607
            ["docker", "compose", *args],
            cwd=REPO_ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "TAG": self.tag},
        )
        if check and result.returncode != 0:
            said = (result.stdout + result.stderr).strip()
            raise ComposeError(f"docker compose {' '.join(args)}: {said[-1000:]}")
        return result

    def start(self, service: Service, colour: str, source: Resolved | None) -> Release | None:
        name = service.program(colour)
        if source is None:  # the container as it was, not recreated from $TAG
            self._compose("start", name)
            return None
        self._compose("build", name)
        self._compose("run", "--rm", "--no-deps", f"{service.name}-migrate")
        self._compose("up", "--detach", "--no-deps", "--force-recreate", name)
        return Release(self.tag, ref=f"image tag {self.tag}", by=deployer())

    def stop(self, service: Service, colour: str) -> None:
        self._compose("stop", service.program(colour), check=False)

    def get(
        self, service: Service, colour: str, path: str, token: str | None = None
    ) -> tuple[int, str, str]:
        url = f"{INTERNAL}/internal/colours/{service.name}/{colour}{path}"
        auth = ["--header", f"Authorization: Bearer {token}"] if token else []
        result = self._compose(
            "exec", "-T", "gateway", "wget", "-q", "-S", *auth, "-O", "-", url, check=False
        )
        # busybox wget -S prints the status line and headers on stderr.
        status = re.findall(r"HTTP/1\.[01] (\d{3})", result.stderr)
        content_type = re.findall(r"(?im)^\s*content-type:\s*(\S+)", result.stderr)
        return (int(status[-1]) if status else 0), "".join(content_type[-1:]), result.stdout

    def token(self, scope: str) -> str:
        """Minted by the issuer container, which alone holds the signing key."""
        result = self._compose(
            "exec",
            "-T",
            "issuer",
            "python",
            "-m",
            "deploy",
            "token",
            "--keys-dir",
            ISSUER_KEYS,
            "--scope",
            scope,
            "--sub",
            "deploy",
        )
        return result.stdout.strip()

    def process(self, service: Service, colour: str) -> str:
        result = self._compose("ps", "--all", "--format", "json", service.program(colour))
        text = result.stdout.strip()
        # One JSON object per line (compose 2.21+) or one JSON array (older).
        entries = (
            json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines()]
        )
        states = {entry.get("Service"): entry.get("State", "") for entry in entries}
        return states.get(service.program(colour), "not created").upper()

    def failed(self, service: Service, colour: str) -> str | None:
        found = self.process(service, colour)
        return None if found == "RUNNING" else f"{service.program(colour)} is {found}"

    def route(self, service: Service, state: ServiceState) -> None:
        text = gateway.upstream_text(service, addresses(service), state)
        self._compose("exec", "-T", "gateway", "gateway-route", service.name, stdin=text)
