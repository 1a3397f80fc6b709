"""One deploy command on one service: under the deploy lock, its result saved
to the state file and logged to the deploy log (deploy/history.py).

The commands are deploy, rollback, canary and release; the steps themselves
are deploy/switch.py's and deploy/progressive.py's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deploy import canary_analysis, history, monitoring, progressive, state, switch
from deploy.platform import Platform, Service
from deploy.releases import Resolved
from deploy.state import ServiceState


@dataclass(frozen=True)
class Command:
    """What was asked: the action, on which service, at which version (for
    deploy, canary and release), and for a canary its share."""

    action: str
    service: Service
    source: Resolved | None = None
    percent: int = 0


def run_command(run: switch.Run, run_dir: Path, command: Command) -> ServiceState:
    """Do `command` under the lock; save and log what it left, done or failed."""
    name = command.service.name
    with state.locked(run_dir):
        before = state.load(run_dir)[name]
        try:
            after = _step(run, run_dir, command)(before)
        except BaseException as failure:  # logged, whatever it was (Ctrl-C too)
            if isinstance(failure, switch.DeployFailed) and failure.state is not None:
                _save(run_dir, name, failure.state)
            left = state.load(run_dir)[name]
            outcome = "rolled back" if isinstance(failure, progressive.RolledBack) else "failed"
            error = str(failure) or type(failure).__name__
            details = _summary(command, before, left)
            history.record(run_dir, name, command.action, outcome, error=error, **details)
            raise
        _save(run_dir, name, after)
        history.record(run_dir, name, command.action, "done", **_summary(command, before, after))
    return after


def _step(
    run: switch.Run, run_dir: Path, command: Command
) -> Callable[[ServiceState], ServiceState]:
    service, source = command.service, command.source
    if command.action == "deploy":
        return lambda current: switch.deploy(run, service, current, source)
    if command.action == "rollback":
        return lambda current: switch.rollback(run, service, current)
    if command.action == "canary":
        return lambda current: switch.canary(run, service, current, command.percent, source)
    watch = _watch(run_dir, service)
    return lambda current: progressive.release(run, watch, service, current, source)


def _watch(run_dir: Path, service: Service) -> progressive.Watch:
    """A release's measures (Prometheus) and its record of each step."""
    platform = Platform.load(run_dir)
    if not platform.monitor:
        raise switch.DeployFailed(
            "a release is judged from Prometheus: start the platform with MONITOR=1"
        )
    return progressive.Watch(
        policy=canary_analysis.Policy.from_env(),
        prometheus=canary_analysis.Prometheus(monitoring.prometheus_url(platform)),
        save=lambda current: _save(run_dir, service.name, current),
        log=lambda action, outcome, details: history.record(
            run_dir, service.name, action, outcome, **details
        ),
    )


def _save(run_dir: Path, name: str, current: ServiceState) -> None:
    state.save(run_dir, state.load(run_dir) | {name: current})


def _summary(command: Command, before: ServiceState, after: ServiceState) -> dict:
    """The log's details: the traffic before and after, the version asked
    for, and what the colour that took the newest traffic runs."""
    details = {"live": f"{before.live} -> {after.live}"}
    if command.percent or after.canary_percent:
        details["canary_percent"] = after.canary_percent
    if command.source is not None:
        details["asked"] = command.source.version
    taking = after.idle if after.canary_percent else after.live
    if release := after.releases.get(taking):
        details |= {"colour": taking, "ref": release.ref, "commit": release.commit}
        details |= {"version": release.version, "requirements": release.requirements}
    return details
