"""Where the time goes: one harness scenario under wrk while py-spy samples the
service's processes; prints the functions with the most samples.

    python -m tests.performance.profile "GET one collection" [--seconds 15]

Starts its own system (as the harness does) with a small dataset. Writes the
raw stacks to var/bench/profile-<scenario>.txt (flamegraph.pl reads them).
"""

import argparse
import collections
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.performance.harness import OUT, SCENARIOS, analyze, load_dataset
from tests.performance.load import drivers, processes
from tests.performance.system import own_system


def _stacks(raw: Path) -> Iterator[tuple[list[str], int]]:
    """Each line of py-spy's raw output: the frames (outermost first), its samples."""
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        # A frame py-spy read while it changed can hold a newline or garbage,
        # tearing its sample over lines that end in no count: skip those.
        if samples.isdigit():
            yield stack.split(";"), int(samples)


def top_functions(raw: Path, count: int) -> list[tuple[str, float, float]]:
    """(function, % of samples anywhere in the stack, % as the innermost frame)."""
    inclusive, own = collections.Counter(), collections.Counter()
    total = 0
    for frames, n in _stacks(raw):
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    return [
        (f, 100 * inclusive[f] / total, 100 * own[f] / total) for f, _ in own.most_common(count)
    ]


def by_package(raw: Path) -> list[tuple[str, float]]:
    """Own samples per top-level package (sqlalchemy, flask, gunicorn...)."""
    own, total = collections.Counter(), 0
    for frames, n in _stacks(raw):
        where = frames[-1].rpartition(" (")[2]
        package = where.split("/")[0] if "/" in where else where.split(".")[0].split(":")[0]
        own[package] += n
        total += n
    return [(package, 100 * n / total) for package, n in own.most_common()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.performance.profile")
    parser.add_argument("scenario", choices=[s.name for s in SCENARIOS])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    scenario = next(s for s in SCENARIOS if s.name == args.scenario)
    raw = OUT / f"profile-{scenario.name.replace(' ', '-').replace(',', '')}.txt"
    OUT.mkdir(parents=True, exist_ok=True)
    with own_system() as system:
        sizes = load_dataset(system.public_url, 20_000, 50)
        analyze(system)  # as the harness does: its plans, not an empty table's
        pids = processes.service_pids(system, scenario.service)
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--duration",
                str(args.seconds),
                "--nonblocking",
                "--gil",  # only the thread running Python: where the CPU goes
                "--pid",
                str(pids[1]),  # the first worker (pids[0] is the gunicorn master)
            ],
            stdout=subprocess.DEVNULL,
        )
        load = threading.Thread(
            target=drivers.maximum,
            args=(system.public_url, scenario, args.seconds, 16, sizes),
        )
        load.start()
        spy.wait()
        load.join()
    print("Own samples by package:")
    for package, share in by_package(raw)[:15]:
        print(f"  {package:<30} {share:5.1f}%")
    print(f"{'function':<90} {'in stack':>9} {'own':>6}")
    for function, inclusive, own in top_functions(raw, args.top):
        print(f"{function[:90]:<90} {inclusive:8.1f}% {own:5.1f}%")


if __name__ == "__main__":
    main()
