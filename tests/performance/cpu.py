"""Where a request's CPU goes across processes: harness scenarios under wrk,
each with the CPU per request of every service, the gateway (its nginx)
and PostgreSQL, and how idle the machine stayed.

    python -m tests.performance.cpu "analytics summary" "GET one collection" [--seconds 8]

Starts its own system (as the harness does) with a small dataset; runs each
scenario twice. A service's rate is bounded by its one worker's CPU per
request (the GIL) while the machine has idle CPU; the other processes show
what a request costs beside it (an analytics query's share of a feed read
is in collections' figure).
"""

import argparse
import subprocess

from tests.performance import report
from tests.performance.harness import SCENARIOS, analyze, load_dataset
from tests.performance.load import drivers, processes
from tests.performance.system import own_system

RUNS = 2


def _postgres_pids() -> list[int]:
    """The machine's PostgreSQL processes (the system's databases live on
    that server; its backends come and go, so they are looked up per run)."""
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return [int(pid) for pid in found.split()]


def _machine_ticks() -> tuple[int, int]:
    """(idle, total) CPU ticks of the machine so far, from /proc/stat."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    return ticks[3], sum(ticks)


def measure(base: str, scenario, seconds: int, sizes: dict, groups: dict) -> str:
    """One run of `scenario` at its maximum, as a line of figures."""
    groups = groups | {"postgres": _postgres_pids()}
    before = {name: processes.cpu_seconds(pids) for name, pids in groups.items()}
    idle_before, total_before = _machine_ticks()
    figures = drivers.maximum(base, scenario, seconds, 16, sizes)
    idle_after, total_after = _machine_ticks()
    requests = max(figures["requests"], 1)
    spent = ", ".join(
        f"{name} {1000 * (processes.cpu_seconds(pids) - before[name]) / requests:.3f}"
        for name, pids in groups.items()
    )
    idle = (idle_after - idle_before) / max(total_after - total_before, 1)
    return (
        f"{scenario.name}: {figures['rps']:,.0f} req/s; CPU ms per request: {spent};"
        f" machine idle {idle:.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.performance.cpu")
    parser.add_argument("scenarios", nargs="+", choices=[s.name for s in SCENARIOS])
    parser.add_argument("--seconds", type=int, default=8, help="per run")
    args = parser.parse_args()
    with own_system() as system:
        sizes = load_dataset(system.public_url, 20_000, 100)
        analyze(system)
        groups = {service: processes.service_pids(system, service) for service in report.SERVICES}
        groups["gateway"] = processes.program_pids(system, "gateway")
        for scenario in [s for s in SCENARIOS if s.name in args.scenarios]:
            for _ in range(RUNS):
                print(measure(system.public_url, scenario, args.seconds, sizes, groups), flush=True)


if __name__ == "__main__":
    main()
