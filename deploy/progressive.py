"""`make release`: a canary that measures itself and promotes or rolls back.

The idle colour starts at the version asked for and takes a growing share of
the service's traffic (Policy.steps). After each step has run for a window,
the new colour is judged against the stable one (deploy/canary_analysis.py):
better or within tolerance, the next step; worse in as many windows in a row
as the failure limit, or an alert of its own firing, the canary ends at once
(the stable colour takes all traffic back) and the command fails with the
figures that decided. Below the minimum of
requests the step waits for more rather than decide, up to max_wait. After
the last step the new colour takes all traffic (a deploy's promotion).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from deploy import switch
from deploy.canary_analysis import (
    FAIL,
    PASS,
    SERVICE_ALERTS,
    WAIT,
    Alert,
    Figures,
    Policy,
    Prometheus,
    Verdict,
    judge,
)
from deploy.platform import Service
from deploy.releases import Resolved
from deploy.state import ServiceState

# How often a waiting step looks at the alerts (Prometheus evaluates every 5 s).
ALERT_POLL_S = 5.0


class RolledBack(switch.DeployFailed):
    """The release was judged worse than the stable colour and rolled back."""


@dataclass(frozen=True)
class Watch:
    """What a release is measured with, and what it tells about each step."""

    policy: Policy
    prometheus: Prometheus
    # Called with each new state (so `make status` follows the split) and with
    # each event for the deploy log: (action, outcome, details).
    save: Callable[[ServiceState], None]
    log: Callable[[str, str, dict], None]


def release(
    run: switch.Run, watch: Watch, service: Service, state: ServiceState, source: Resolved
) -> ServiceState:
    """Take `source` through every step to all of the traffic, or roll it back."""
    if state.canary_percent:
        raise switch.DeployFailed(
            f"{service.name}: a canary is running; promote it (make deploy) "
            "or end it (make rollback) first"
        )
    already_firing = {alert.name for alert in watch.prometheus.alerts(service.name)}
    started = time.monotonic()
    steps = _Steps(run, watch, service, state, already_firing)
    try:
        for percent in watch.policy.steps:
            steps.take(percent, source)
        # The promotion too: a gateway that refuses it must not leave a canary.
        steps.state = switch.deploy(run, service, steps.state, source)
    except BaseException as error:  # a worse colour, Ctrl-C, Prometheus gone...
        steps.end_canary(error)
        raise
    watch.save(steps.state)
    run.say(f"{service.name}: {steps.state.live} promoted after {time.monotonic() - started:.0f}s")
    return steps.state


@dataclass(frozen=True)
class Colours:
    """The colours a release compares, and the version the new one runs."""

    stable: str
    new: str
    new_version: str


class _Steps:
    """A release's steps on one service, and the state they leave."""

    def __init__(
        self,
        run: switch.Run,
        watch: Watch,
        service: Service,
        state: ServiceState,
        already_firing: set[str],
    ):
        self.run, self.watch, self.service, self.state = run, watch, service, state
        self.already_firing = already_firing

    def take(self, percent: int, source: Resolved) -> None:
        """Send `percent` to the new colour, judge it, and raise RolledBack if worse."""
        colours = Colours(self.state.live, self.state.idle, source.version)
        self.state = switch.canary(self.run, self.service, self.state, percent, source)
        self.watch.save(self.state)
        self.watch.log("release step", "started", {"colour": colours.new, "percent": percent})
        verdict = _judge_step(self.run, self.watch, self.service, colours, self.already_firing)
        self.watch.log("release step", verdict.decision, {"percent": percent, **verdict.as_dict()})
        if verdict.decision != PASS:
            raise RolledBack(
                f"{self.service.name}: {colours.new} was rolled back at {percent}%: "
                + "; ".join(verdict.reasons)
                + f" (new {verdict.canary}; stable {verdict.stable})"
            )

    def end_canary(self, error: BaseException) -> None:
        """The stable colour takes all traffic back, if the new one had any."""
        if self.state.canary_percent:
            reason = str(error) or type(error).__name__
            self.run.say(f"{self.service.name}: rolling back: {reason}")
            self.state = switch.rollback(self.run, self.service, self.state)
            self.watch.save(self.state)
        if isinstance(error, switch.DeployFailed):
            error.state = self.state


def _judge_step(
    run: switch.Run,
    watch: Watch,
    service: Service,
    colours: Colours,
    already_firing: set[str],
) -> Verdict:
    """Wait one window, then judge it; while there is too little traffic to
    tell, judge a longer window, up to max_wait (then it fails). A failed
    check is judged again over a new window, up to the failure limit. An
    alert about the new release fails the step as soon as it fires."""
    policy = watch.policy
    step_started = window_started = time.monotonic()
    wait_until = window_started + policy.window
    failed = 0
    while True:
        alerts = _waiting(watch, service.name, colours, already_firing, wait_until)
        elapsed = time.monotonic() - window_started
        figures = watch.prometheus.figures(service.name, elapsed)
        stable, new = figures.get(colours.stable, Figures()), figures.get(colours.new, Figures())
        verdict = judge(policy, stable, new, alerts)
        run.say(
            f"{service.name}: after {elapsed:.0f}s: {verdict.decision}; new {colours.new}: "
            f"{verdict.canary}; stable {colours.stable}: {verdict.stable}"
        )
        if verdict.decision == FAIL and not alerts and failed + 1 < policy.failure_limit:
            failed += 1
            watch.log("release check", FAIL, {"failed": failed, **verdict.as_dict()})
            run.say(f"{service.name}: failed check {failed} of {policy.failure_limit}; again")
            window_started = time.monotonic()
            wait_until = window_started + policy.window
            continue
        if verdict.decision != WAIT:
            return verdict
        waited = time.monotonic() - step_started
        if waited + policy.window / 2 > policy.max_wait:
            reason = f"too little traffic to judge in {waited:.0f}s: " + "; ".join(verdict.reasons)
            return Verdict(FAIL, (reason,), verdict.stable, verdict.canary)
        wait_until = time.monotonic() + policy.window / 2


def _waiting(
    watch: Watch, service: str, colours: Colours, already_firing: set[str], until: float
) -> list[str]:
    """Sleep until `until`, looking at the alerts every few seconds; those
    about the new release as soon as there are any, else at the end."""
    while True:
        alerts = [
            alert.name
            for alert in watch.prometheus.alerts(service)
            if _about_the_release(alert, colours, already_firing)
        ]
        left = until - time.monotonic()
        if alerts or left <= 0:
            return alerts
        time.sleep(min(ALERT_POLL_S, left))


def _about_the_release(alert: Alert, colours: Colours, already_firing: set[str]) -> bool:
    """An alert about the new colour at the new version (its earlier version's
    alerts outlive it by their window), or a budget alert of the whole service
    that started firing during the release."""
    if alert.colour:
        return alert.colour == colours.new and alert.version in ("", colours.new_version)
    return alert.name in SERVICE_ALERTS and alert.name not in already_firing
