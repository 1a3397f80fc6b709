"""The monitoring stack of the local platform (`make run MONITOR=1`):
Prometheus and Alertmanager from Debian's packages, with Debian's nginx
and PostgreSQL exporters, under the same supervisord as the services.

Prometheus finds the colours to scrape in a file (file-based discovery)
that the platform rewrites whenever a colour starts, takes traffic or stops
(`write_targets`), so a new colour is scraped from its first request. Its
rules are monitoring/rules/*.yml (docs/operations.md).
"""

import json
import os
import shutil
from pathlib import Path

from deploy.platform import COLOURS, REPO_ROOT, SERVICES, Platform

RULES = REPO_ROOT / "monitoring" / "rules"
PROMETHEUS_PORT = 5501
ALERTMANAGER_PORT = 5502
NGINX_EXPORTER_PORT = 5503
POSTGRES_EXPORTER_PORT = 5504
GATEWAY_SYSLOG_PORT = 5505
GATEWAY_METRICS_PORT = 5506
# Seconds between two scrapes (and two evaluations of the rules).
SCRAPE_INTERVAL_S = 5
# Debian's names for the programs.
BINARIES = {
    "prometheus": "prometheus",
    "alertmanager": "prometheus-alertmanager",
    "nginx_exporter": "prometheus-nginx-exporter",
    "postgres_exporter": "prometheus-postgres-exporter",
}


class MonitoringMissing(RuntimeError):
    """A program of the stack is not installed."""


def folder(platform: Platform) -> Path:
    return platform.run_dir / "monitoring"


def port(platform: Platform, base: int) -> int:
    return base + platform.port_offset


def prometheus_url(platform: Platform) -> str:
    return f"http://127.0.0.1:{port(platform, PROMETHEUS_PORT)}"


def alertmanager_url(platform: Platform) -> str:
    return f"http://127.0.0.1:{port(platform, ALERTMANAGER_PORT)}"


def pages(platform: Platform) -> dict[str, str]:
    """The stack's web pages, for `make status` (none when it is off)."""
    if not platform.monitor:
        return {}
    return {"Prometheus": prometheus_url(platform), "Alertmanager": alertmanager_url(platform)}


def binary(name: str) -> str:
    found = shutil.which(BINARIES[name]) or shutil.which(BINARIES[name], path="/usr/bin:/usr/sbin")
    if not found:
        raise MonitoringMissing(
            f"{BINARIES[name]} is missing: `make run MONITOR=1` installs it as root,"
            f" or: sudo apt-get install -y {BINARIES[name]}"
        )
    return found


def render(platform: Platform, live: dict[str, list[str]]) -> None:
    """Write Prometheus's and Alertmanager's configs, and the first targets."""
    here = folder(platform)
    (here / "targets").mkdir(parents=True, exist_ok=True)
    (here / "prometheus.yml").write_text(json.dumps(prometheus_config(platform), indent=2))
    (here / "alertmanager.yml").write_text(json.dumps(alertmanager_config(), indent=2))
    write_targets(platform, live)
    # The gateway's access lines, also to its metrics exporter (gateway_metrics.py).
    logs = platform.run_dir / "nginx" / "access-logs"
    logs.mkdir(parents=True, exist_ok=True)
    syslog = f"syslog:server=127.0.0.1:{port(platform, GATEWAY_SYSLOG_PORT)},nohostname"
    (logs / "metrics.conf").write_text(f"access_log {syslog} gateway_json;\n")


def prometheus_config(platform: Platform) -> dict:
    """Prometheus's configuration (JSON is YAML): scrape every 5 s, so a
    canary's windows fill quickly on a small system."""
    here = folder(platform)
    scrape = [
        {
            "job_name": "services",
            "file_sd_configs": [
                {"files": [str(here / "targets" / "*.json")], "refresh_interval": "5s"}
            ],
        },
        _static("gateway", port(platform, NGINX_EXPORTER_PORT)),
        _static("gateway_upstreams", port(platform, GATEWAY_METRICS_PORT)),
        _static("prometheus", port(platform, PROMETHEUS_PORT)),
    ]
    if platform.database == "postgres":
        scrape.append(_static("postgres", port(platform, POSTGRES_EXPORTER_PORT)))
    return {
        "global": {
            "scrape_interval": f"{SCRAPE_INTERVAL_S}s",
            "evaluation_interval": f"{SCRAPE_INTERVAL_S}s",
        },
        "rule_files": [str(RULES / "*.yml")],
        "alerting": {
            "alertmanagers": [
                {
                    "static_configs": [
                        {"targets": [f"127.0.0.1:{port(platform, ALERTMANAGER_PORT)}"]}
                    ]
                }
            ]
        },
        "scrape_configs": scrape,
    }


def _static(job: str, target_port: int) -> dict:
    return {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}


def alertmanager_config() -> dict:
    """Alerts grouped by name and service, kept in Alertmanager (its web page
    and API); plug a receiver in here (docs/operations.md)."""
    return {
        "route": {
            "receiver": "operators",
            "group_by": ["alertname", "service"],
            "group_wait": "5s",
            "group_interval": "30s",
            "repeat_interval": "4h",
        },
        "receivers": [{"name": "operators"}],
    }


def targets_file(platform: Platform) -> Path:
    return folder(platform) / "targets" / "services.json"


def write_targets(platform: Platform, colours: dict[str, list[str]]) -> None:
    """The colours Prometheus scrapes (`{service: [colour, ...]}`), each
    labelled with its service and colour; the file is replaced whole."""
    groups = [
        {
            "targets": [f"127.0.0.1:{platform.port(service, colour)}"],
            "labels": {"service": service.name, "colour": colour},
        }
        for service in SERVICES
        for colour in colours.get(service.name, [])
    ]
    target = targets_file(platform)
    written = target.with_suffix(".json.new")
    written.write_text(json.dumps(groups, indent=2))
    os.replace(written, target)


def scraped(platform: Platform) -> dict[str, list[str]]:
    """The colours in the targets file, by service (none when monitoring is off)."""
    target = targets_file(platform)
    if not target.exists():
        return {}
    found: dict[str, list[str]] = {}
    for group in json.loads(target.read_text()):
        found.setdefault(group["labels"]["service"], []).append(group["labels"]["colour"])
    return found


def scrape_colours(platform: Platform, service: str, colours: list[str]) -> None:
    """Scrape these colours of one service from now on (when monitoring is on)."""
    if targets_file(platform).exists():
        write_targets(platform, scraped(platform) | {service: colours})


def programs(platform: Platform) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each supervisord program of the stack: its command and environment."""
    stack = {
        "prometheus": (_prometheus_command(platform), {}),
        "alertmanager": (_alertmanager_command(platform), {}),
        "nginx_exporter": (
            [
                binary("nginx_exporter"),
                f"-nginx.scrape-uri={platform.internal_url}/internal/gateway/status",
                f"-web.listen-address={_listen(platform, NGINX_EXPORTER_PORT)}",
            ],
            {},
        ),
        "gateway_metrics": (_gateway_metrics_command(platform), {"PYTHONPATH": str(REPO_ROOT)}),
    }
    if platform.database == "postgres":
        stack["postgres_exporter"] = (
            [
                binary("postgres_exporter"),
                f"--web.listen-address={_listen(platform, POSTGRES_EXPORTER_PORT)}",
            ],
            {"DATA_SOURCE_NAME": f"{platform.postgres_url}/postgres?sslmode=disable"},
        )
    return stack


def _listen(platform: Platform, base: int) -> str:
    return f"127.0.0.1:{port(platform, base)}"


def _prometheus_command(platform: Platform) -> list[str]:
    here = folder(platform)
    return [
        binary("prometheus"),
        f"--config.file={here / 'prometheus.yml'}",
        f"--storage.tsdb.path={here / 'prometheus-data'}",
        f"--web.listen-address={_listen(platform, PROMETHEUS_PORT)}",
        "--storage.tsdb.retention.time=7d",
    ]


def _alertmanager_command(platform: Platform) -> list[str]:
    here = folder(platform)
    return [
        binary("alertmanager"),
        f"--config.file={here / 'alertmanager.yml'}",
        f"--storage.path={here / 'alertmanager-data'}",
        f"--web.listen-address={_listen(platform, ALERTMANAGER_PORT)}",
        "--cluster.listen-address=",
    ]


def _gateway_metrics_command(platform: Platform) -> list[str]:
    """deploy/gateway_metrics.py, knowing which address is which colour."""
    colours = {
        f"127.0.0.1:{platform.port(service, colour)}": [service.name, colour]
        for service in SERVICES
        for colour in COLOURS
    }
    listeners = {str(platform.public_port): "public", str(platform.internal_port): "internal"}
    return [
        platform.python,
        "-m",
        "deploy.gateway_metrics",
        f"--syslog-port={port(platform, GATEWAY_SYSLOG_PORT)}",
        f"--port={port(platform, GATEWAY_METRICS_PORT)}",
        f"--colours={json.dumps(colours)}",
        f"--listeners={json.dumps(listeners)}",
    ]
