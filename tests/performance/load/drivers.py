"""Run wrk (as fast as it can: the maximum) and k6 (at a fixed arrival rate)
against one scenario, and return their figures as dicts."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Scenario:
    """One request shape: {id}, {location_id} and {place} vary per request."""

    name: str
    service: str  # whose processes' CPU the requests cost (None for floors)
    method: str
    target: str
    body: str | None = None


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is missing: `make bench` installs it (apt-get install wrk)")
    return found


def k6_binary() -> str:
    found = shutil.which("k6", path=str(Path(sys.executable).parent)) or shutil.which("k6")
    if not found:
        raise RuntimeError("k6 is missing: `make bench` installs it (requirements-bench.txt)")
    return found


def maximum(
    base: str, scenario: Scenario, seconds: int, connections: int, sizes: dict[str, str]
) -> dict:
    """wrk with `connections` connections for `seconds`: requests/s and latency.

    `sizes` are the ranges the scenario's placeholders take (ID_MIN, ID_MAX...).
    """
    env = {
        **os.environ,
        "METHOD": scenario.method,
        "TARGET": scenario.target,
        **({"BODY": scenario.body} if scenario.body else {}),
        **sizes,
    }
    command = [
        wrk_binary(),
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        str(HERE / "scenario.lua"),
        base,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    errors = sum(figures[key] for key in figures if key.endswith("errors") or key == "timeouts")
    seconds_run = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / seconds_run,
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "errors": errors,
    }


def fixed_rate(url: str, rate: int, seconds: int, sizes: dict[str, str]) -> dict:
    """k6 at `rate` requests/s, open model: latency from each request's start."""
    with tempfile.TemporaryDirectory() as folder:
        summary = Path(folder) / "summary.json"
        env = {
            **os.environ,
            "URL": url,
            "RATE": str(rate),
            "DURATION": f"{seconds}s",
            **sizes,
            "K6_NO_USAGE_REPORT": "true",
        }
        command = [
            k6_binary(),
            "run",
            "--quiet",
            "--no-color",
            "--summary-export",
            str(summary),
            str(HERE / "fixed_rate.js"),
        ]
        subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        metrics = json.loads(summary.read_text())["metrics"]
    duration = metrics["http_req_duration"]
    return {
        "rate": rate,
        "requests": metrics["http_reqs"]["count"],
        "p50_ms": duration["p(50)"],
        "p95_ms": duration["p(95)"],
        "p99_ms": duration["p(99)"],
        "failed": metrics["http_req_failed"]["passes"],
        "dropped": metrics.get("dropped_iterations", {}).get("count", 0),
    }
