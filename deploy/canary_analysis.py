"""How a progressive release decides: the new colour against the stable one.

Both colours are measured by the gateway (deploy/gateway_metrics.py: the
same clients, the same clock) and read from Prometheus over the same window:
the share of requests that failed (5xx, or no answer) and the p99 of the
upstream time. `judge` is the rule, on figures alone; `Prometheus` reads the
figures. The defaults and the reasoning behind them are in
docs/operations.md ("Progressive releases").
"""

import itertools
import math
import os
import time
from dataclasses import dataclass

import requests

from deploy.monitoring import SCRAPE_INTERVAL_S
from deploy.platform import SettingError

PASS, FAIL, WAIT = "pass", "fail", "wait"
# Alerts that speak for the whole service (no colour label): a release does
# not go on while one of them starts firing.
SERVICE_ALERTS = ("ErrorBudgetBurnFast", "ErrorBudgetBurnSlow", "LatencyBudgetBurnFast")


@dataclass(frozen=True)
class Policy:
    """The release settings (README, "Settings"; reasoned in docs/operations.md)."""

    # The new colour's shares of traffic, analysed in turn; 100 promotes.
    steps: tuple[int, ...] = (10, 25, 50)
    # Seconds of traffic each step is measured over, at least.
    window: float = 60.0
    # Requests each colour must answer in a window before it is judged.
    min_requests: int = 100
    # Seconds a step may wait for that many before the release gives up.
    max_wait: float = 600.0
    # The new colour's error ratio may exceed the stable one's by this much.
    error_tolerance: float = 0.01
    # Its p99 may be this many times the stable one's, or this many
    # seconds above it, whichever is more.
    latency_ratio: float = 1.5
    latency_slack: float = 0.05
    # Failed checks (each over a window of its own) that roll a release back:
    # one bad window can be a noisy minute on the machine, two are the code.
    failure_limit: int = 2

    @classmethod
    def from_env(cls, env=os.environ) -> "Policy":
        settings = {}
        if "RELEASE_STEPS" in env:
            settings["steps"] = _steps(env["RELEASE_STEPS"])
        for name, field, kind in (
            ("RELEASE_WINDOW", "window", float),
            ("RELEASE_MIN_REQUESTS", "min_requests", int),
            ("RELEASE_MAX_WAIT", "max_wait", float),
            ("RELEASE_ERROR_TOLERANCE", "error_tolerance", float),
            ("RELEASE_LATENCY_RATIO", "latency_ratio", float),
            ("RELEASE_LATENCY_SLACK", "latency_slack", float),
            ("RELEASE_FAILURE_LIMIT", "failure_limit", int),
        ):
            if name in env:
                settings[field] = _positive(env, name, kind)
        policy = cls(**settings)
        if policy.max_wait < policy.window:
            raise SettingError(
                f"RELEASE_MAX_WAIT ({policy.max_wait:g}) must be at least "
                f"RELEASE_WINDOW ({policy.window:g})"
            )
        return policy


def _steps(text: str) -> tuple[int, ...]:
    """ "10 25 50 100" -> (10, 25, 50): rising shares below 100 (100 is the promotion)."""
    try:
        steps = [int(step) for step in text.replace(",", " ").split()]
    except ValueError as error:
        raise SettingError(f"RELEASE_STEPS: whole percents, got {text!r}") from error
    analysed = tuple(step for step in steps if step != 100)
    rising = all(a < b for a, b in itertools.pairwise(analysed))
    if not analysed or not rising or not all(1 <= step <= 99 for step in analysed):
        raise SettingError(f"RELEASE_STEPS: rising percents from 1 to 100, got {text!r}")
    return analysed


def _positive(env, name: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(env[name])
    except ValueError as error:
        raise SettingError(f"{name}: a number, got {env[name]!r}") from error
    if not value > 0 or not math.isfinite(value):
        raise SettingError(f"{name} must be above 0, got {env[name]!r}")
    return value


@dataclass(frozen=True)
class Figures:
    """One colour over one window, as the gateway saw it."""

    requests: float = 0.0
    errors: float = 0.0
    p99: float | None = None  # seconds; None with no answer timed

    @property
    def error_ratio(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def __str__(self) -> str:
        p99 = "-" if self.p99 is None else f"{self.p99 * 1000:.0f} ms"
        return (
            f"{self.requests:.0f} requests, {self.error_ratio:.1%} errors "
            f"({self.errors:.0f}), p99 {p99}"
        )


@dataclass(frozen=True)
class Verdict:
    decision: str  # PASS, FAIL or WAIT
    reasons: tuple[str, ...]
    stable: Figures
    canary: Figures

    def as_dict(self) -> dict:
        """For the deploy log: the decision and the figures behind it."""
        return {
            "decision": self.decision,
            "reasons": list(self.reasons),
            "stable": vars(self.stable),
            "canary": vars(self.canary),
        }


def judge(policy: Policy, stable: Figures, canary: Figures, alerts: list[str]) -> Verdict:
    """The canary against the stable colour: FAIL on an alert or a figure
    beyond its tolerance, WAIT while either answered too few requests to
    tell, PASS otherwise."""
    if alerts:
        return Verdict(FAIL, (f"alerts firing: {', '.join(sorted(alerts))}",), stable, canary)
    few = [
        f"{name} answered {figures.requests:.0f} requests, fewer than {policy.min_requests}"
        for name, figures in (("new", canary), ("stable", stable))
        if figures.requests < policy.min_requests
    ]
    if few:
        return Verdict(WAIT, tuple(few), stable, canary)
    reasons = []
    allowed = stable.error_ratio + policy.error_tolerance
    if canary.error_ratio > allowed:
        reasons.append(
            f"error ratio {canary.error_ratio:.2%} against {stable.error_ratio:.2%}"
            f" (allowed up to {allowed:.2%})"
        )
    if stable.p99 is not None:
        slowest = max(stable.p99 * policy.latency_ratio, stable.p99 + policy.latency_slack)
        new_p99 = math.inf if canary.p99 is None else canary.p99
        if new_p99 > slowest:
            reasons.append(
                f"p99 {new_p99 * 1000:.0f} ms against {stable.p99 * 1000:.0f} ms"
                f" (allowed up to {slowest * 1000:.0f} ms)"
            )
    if reasons:
        return Verdict(FAIL, tuple(reasons), stable, canary)
    return Verdict(PASS, ("within tolerance",), stable, canary)


@dataclass(frozen=True)
class Alert:
    """A firing alert: its name, and the colour and version it is about ("": all)."""

    name: str
    colour: str = ""
    version: str = ""


class MonitoringUnavailable(RuntimeError):
    """Prometheus did not answer a query."""


class Prometheus:
    """The figures and alerts a release is judged by, from Prometheus's HTTP API."""

    def __init__(self, url: str):
        self.url = url

    def figures(self, service: str, seconds: float) -> dict[str, Figures]:
        """Each colour's figures over the last `seconds`, and one scrape
        interval more: a range that short must hold two samples of every
        series to give an increase. All three are evaluated at one instant,
        so a scrape landing between them cannot make them disagree."""
        window = f"{int(seconds) + SCRAPE_INTERVAL_S}s"
        at = time.time()
        selector = f'service="{service}"'
        requests_by = self._by_colour(
            f"sum by (colour) (increase(gateway_upstream_requests_total{{{selector}}}[{window}]))",
            at,
        )
        errors_by = self._by_colour(
            "sum by (colour) (increase(gateway_upstream_requests_total"
            f'{{{selector}, status_class=~"5xx|unanswered"}}[{window}]))',
            at,
        )
        p99_by = self._by_colour(
            "histogram_quantile(0.99, sum by (colour, le) (increase("
            f"gateway_upstream_duration_seconds_bucket{{{selector}}}[{window}])))",
            at,
        )
        return {
            colour: Figures(count, errors_by.get(colour, 0.0), _finite(p99_by.get(colour)))
            for colour, count in requests_by.items()
        }

    def alerts(self, service: str) -> list[Alert]:
        """The service's firing alerts."""
        result = self._query(f'ALERTS{{alertstate="firing", service="{service}"}}')
        labels = [r["metric"] for r in result]
        return [Alert(m["alertname"], m.get("colour", ""), m.get("version", "")) for m in labels]

    def _by_colour(self, expression: str, at: float) -> dict[str, float]:
        return {r["metric"]["colour"]: float(r["value"][1]) for r in self._query(expression, at)}

    def _query(self, expression: str, at: float | None = None) -> list[dict]:
        params = {"query": expression} | ({"time": f"{at:.3f}"} if at else {})
        try:
            response = requests.get(f"{self.url}/api/v1/query", params=params, timeout=10)
            response.raise_for_status()
            return response.json()["data"]["result"]
        except (requests.RequestException, ValueError, KeyError) as error:
            raise MonitoringUnavailable(f"Prometheus at {self.url}: {error!r}") from error


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
