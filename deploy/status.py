"""`python -m deploy status`: per service, the live colour, what each colour
runs and whether it is up and ready."""

import json
from pathlib import Path

from deploy import state
from deploy.platform import COLOURS, SERVICES, other
from deploy.switch import Backend


def collect(backend: Backend, run_dir: Path) -> dict:
    """The status as data: the table's source, and `status --json`."""
    states = state.load(run_dir)
    report = {}
    for service in SERVICES:
        current = states[service.name]
        report[service.name] = {
            "live": current.live,
            "canary_percent": current.canary_percent,
            "rollback_to": current.previous,
        }
        for colour in COLOURS:
            release = current.releases.get(colour)
            process = backend.process(service, colour)
            ready = None
            if process == "RUNNING":
                ready = backend.get(service, colour, "/health/ready")[0] == 200
            report[service.name][colour] = {
                "version": release.version if release else None,
                "made_at": release.made_at if release else None,
                "process": process,
                "ready": ready,
            }
    return report


def table(report: dict) -> str:
    lines = [f"{'service':<12} {'traffic':<22} {'blue':<34} {'green':<34}"]
    for name, entry in report.items():
        traffic = entry["live"]
        if percent := entry["canary_percent"]:
            traffic = f"{entry['live']} {100 - percent}%, {other(entry['live'])} {percent}%"
        cells = [_colour_cell(entry[colour]) for colour in COLOURS]
        lines.append(f"{name:<12} {traffic:<22} {cells[0]:<34} {cells[1]:<34}")
    return "\n".join(lines)


def _colour_cell(colour: dict) -> str:
    health = {True: "ready", False: "NOT READY", None: ""}[colour["ready"]]
    return f"{colour['version'] or '-'} {colour['process'].lower()} {health}".strip()


def show(backend: Backend, run_dir: Path, as_json: bool, pages: dict | None = None) -> str:
    """The table (or JSON); `pages`: the monitoring stack's web pages, by name."""
    report = collect(backend, run_dir)
    if as_json:
        return json.dumps(report | ({"monitoring": pages} if pages else {}), indent=2)
    lines = [f"{name}: {url}" for name, url in (pages or {}).items()]
    return "\n".join([table(report), *lines])
