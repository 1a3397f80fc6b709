"""`make release`: a canary that measures itself and promotes or rolls back.

The idle colour starts at the version asked for and takes a growing share of
the service's traffic (Policy.steps). After each step has run for a window,
the new colour is judged against the stable one (deploy/canary_analysis.py):
better or within tolerance, the next step; worse, or an alert of its own
firing, the canary ends at once (the stable colour takes all traffic back)
and the command fails with the figures that decided. Below the minimum of
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
    Figures,
    Policy,
    Prometheus,
    Verdict,
    judge,
)
from deploy.platform import Service
from deploy.releases import Resolved
from deploy.state import ServiceState


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
    stable, new = state.live, state.idle
    already_firing = {name for name, _ in watch.prometheus.alerts(service.name)}
    started = time.monotonic()
    for percent in watch.policy.steps:
        state = switch.canary(run, service, state, percent, source)
        watch.save(state)
        watch.log("release step", "started", {"colour": new, "percent": percent})
        try:
            verdict = _judge_step(run, watch, service, (stable, new), already_firing)
        except BaseException:  # Ctrl-C, Prometheus gone: the stable colour takes it all back
            watch.save(switch.rollback(run, service, state))
            raise
        watch.log("release step", verdict.decision, {"percent": percent, **verdict.as_dict()})
        if verdict.decision != PASS:
            run.say(f"{service.name}: rolling back: " + "; ".join(verdict.reasons))
            state = switch.rollback(run, service, state)
            watch.save(state)
            raise RolledBack(
                f"{service.name}: {new} was rolled back at {percent}%: "
                + "; ".join(verdict.reasons)
                + f" (new {verdict.canary}; stable {verdict.stable})",
                state,
            )
    state = switch.deploy(run, service, state, source)
    watch.save(state)
    run.say(f"{service.name}: {new} promoted after {time.monotonic() - started:.0f}s")
    return state


def _judge_step(
    run: switch.Run,
    watch: Watch,
    service: Service,
    colours: tuple[str, str],
    already_firing: set[str],
) -> Verdict:
    """Wait one window, then judge it; while there is too little traffic to
    tell, judge a longer window, up to max_wait (then it fails)."""
    policy = watch.policy
    stable, new = colours
    started = time.monotonic()
    time.sleep(policy.window)
    while True:
        elapsed = time.monotonic() - started
        figures = watch.prometheus.figures(service.name, elapsed)
        alerts = [
            name
            for name, colour in watch.prometheus.alerts(service.name)
            if colour == new
            or (not colour and name in SERVICE_ALERTS and name not in already_firing)
        ]
        verdict = judge(policy, figures.get(stable, Figures()), figures.get(new, Figures()), alerts)
        run.say(
            f"{service.name}: after {elapsed:.0f}s: {verdict.decision}; new {new}: "
            f"{verdict.canary}; stable {stable}: {verdict.stable}"
        )
        if verdict.decision != WAIT:
            return verdict
        if elapsed + policy.window / 2 > policy.max_wait:
            reason = f"too little traffic to judge in {elapsed:.0f}s: " + "; ".join(verdict.reasons)
            return Verdict(FAIL, (reason,), verdict.stable, verdict.canary)
        time.sleep(policy.window / 2)
