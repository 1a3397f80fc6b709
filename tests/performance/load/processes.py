"""Memory and CPU of each service's processes, read from /proc.

A service is every process of its live colour: the gunicorn master and its
workers (the analytics follower is a thread of each). RSS counts each
process in full (pages shared after fork are counted in every process that
maps them); PSS shares them out, closer to what the machine really spends.
"""

import os
import threading

from deploy import local
from deploy.gateway import children_of
from deploy.platform import Platform
from deploy.supervisor import supervisorctl

TICKS = os.sysconf("SC_CLK_TCK")


def service_pids(platform: Platform, service: str) -> list[int]:
    """The live colour's processes: the gunicorn master and its workers."""
    return program_pids(platform, local.live_program(platform, service))


def program_pids(platform: Platform, program: str) -> list[int]:
    """A supervisord program's processes: its main process and its children
    (a gunicorn master's workers, the gateway's nginx workers)."""
    main = int(supervisorctl(platform, "pid", program).strip() or 0)
    return [main, *children_of(main)] if main else []


def _status_kb(pid: int, field: str, name: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{name}") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:  # the process ended
        pass
    return 0


def memory(pids: list[int]) -> tuple[int, int]:
    """Summed RSS and PSS of these processes, in bytes."""
    rss = sum(_status_kb(pid, "VmRSS:") for pid in pids)
    pss = sum(_status_kb(pid, "Pss:", "smaps_rollup") for pid in pids)
    return rss * 1024, pss * 1024


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU these processes have used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


class PeakMemory(threading.Thread):
    """Samples each service's memory every 0.2 s; keeps the peaks."""

    def __init__(self, pids: dict[str, list[int]]):
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = {name: {"rss": 0, "pss": 0} for name in pids}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            for name, pids in self.pids.items():
                rss, pss = memory(pids)
                peak = self.peak[name]
                peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)

    def stop(self) -> dict:
        self._done.set()
        self.join()
        return self.peak
