"""`python -m deploy status`: per service, the live colour, what each colour
runs and whether it is up and ready."""

import json
from pathlib import Path

from deploy import state
from deploy.platform import COLOURS, SERVICES
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
                "ref": release.ref if release else None,
                "commit": release.commit if release else None,
                "requirements": release.requirements if release else None,
                "made_at": release.made_at if release else None,
                "by": release.by if release else None,
                "process": process,
                "ready": ready,
            }
    return report


COLUMNS = ("service", "colour", "traffic", "version", "ref", "commit", "requirements")
COLUMNS_AFTER = ("deployed", "by", "process")


def table(report: dict) -> str:
    """One line per colour: its share of traffic, what it runs, since when, how it is."""
    rows = [(*COLUMNS, *COLUMNS_AFTER)]
    for name, entry in report.items():
        for colour in COLOURS:
            cell = entry[colour]
            health = {True: "ready", False: "NOT READY", None: ""}[cell["ready"]]
            rows.append(
                (
                    name,
                    colour,
                    _share(entry, colour),
                    cell["version"] or "-",
                    cell["ref"] or "-",
                    (cell["commit"] or "-")[:12],
                    cell["requirements"] or "-",
                    cell["made_at"] or "-",
                    cell["by"] or "-",
                    f"{cell['process'].lower()} {health}".strip(),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _share(entry: dict, colour: str) -> str:
    """A colour's share of its service's traffic: "live", "90%", or "" (none)."""
    if percent := entry["canary_percent"]:
        return f"{percent}%" if colour != entry["live"] else f"{100 - percent}%"
    if colour == entry["live"]:
        return "live"
    return "rollback" if entry["rollback_to"] == colour else ""


def show(backend: Backend, run_dir: Path, as_json: bool, pages: dict | None = None) -> str:
    """The table (or JSON); `pages`: the monitoring stack's web pages, by name."""
    report = collect(backend, run_dir)
    if as_json:
        return json.dumps(report | ({"monitoring": pages} if pages else {}), indent=2)
    lines = [f"{name}: {url}" for name, url in (pages or {}).items()]
    return "\n".join([table(report), *lines])
