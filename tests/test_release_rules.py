"""The parts of a release that need no running system: how a step is judged,
the release settings, the deploy log, which version a source names, and the
releases' environments (built by real pip, from real lock files)."""

import re
import subprocess
from pathlib import Path

import pytest

from deploy import environments, history, progressive, releases
from deploy.canary_analysis import FAIL, PASS, WAIT, Alert, Figures, Policy, judge
from deploy.platform import REPO_ROOT, SERVICES, SettingError, service_named

POLICY = Policy(min_requests=100)
STEADY = Figures(requests=1000, errors=2, p99=0.040)


def test_a_canary_within_tolerance_passes():
    verdict = judge(POLICY, STEADY, Figures(requests=200, errors=1, p99=0.055), alerts=[])

    assert verdict.decision == PASS


def test_more_errors_than_the_tolerance_fail_and_say_by_how_much():
    verdict = judge(POLICY, STEADY, Figures(requests=200, errors=20, p99=0.040), alerts=[])

    assert verdict.decision == FAIL
    assert verdict.reasons == ("error ratio 10.00% against 0.20% (allowed up to 1.20%)",)


def test_a_p99_beyond_both_the_ratio_and_the_slack_fails():
    slow = judge(POLICY, STEADY, Figures(requests=200, errors=0, p99=0.240), alerts=[])
    # 1.5 x 40 ms is 60 ms, but 40 ms + 50 ms is more: 85 ms passes.
    within_slack = judge(POLICY, STEADY, Figures(requests=200, errors=0, p99=0.085), alerts=[])

    assert slow.decision == FAIL
    assert slow.reasons == ("p99 240 ms against 40 ms (allowed up to 90 ms)",)
    assert within_slack.decision == PASS


def test_a_canary_that_timed_no_answer_fails_on_latency():
    verdict = judge(POLICY, STEADY, Figures(requests=150, errors=150, p99=None), alerts=[])

    assert verdict.decision == FAIL
    assert any(reason.startswith("p99 inf ms") for reason in verdict.reasons)


@pytest.mark.parametrize(
    ("stable", "canary"),
    [(STEADY, Figures(requests=99, errors=99, p99=2.0)), (Figures(requests=50), STEADY)],
)
def test_too_few_requests_on_either_side_wait_whatever_the_figures(stable, canary):
    verdict = judge(POLICY, stable, canary, alerts=[])

    assert verdict.decision == WAIT
    assert "fewer than 100" in verdict.reasons[0]


def test_an_alert_fails_the_step_even_with_little_traffic():
    verdict = judge(POLICY, STEADY, Figures(requests=3), alerts=["ErrorsAfterDeploy"])

    assert (verdict.decision, verdict.reasons) == (FAIL, ("alerts firing: ErrorsAfterDeploy",))


class ScriptedPrometheus:
    """Prometheus answering each window with the next figures of a script.

    A stand-in, on purpose: a window that is slow by chance (a busy minute on
    the machine) cannot be caused on demand in a real system."""

    def __init__(self, canary: list[Figures], alerts: list[Alert]):
        self.canary, self.firing = canary, alerts

    def figures(self, service: str, seconds: float) -> dict[str, Figures]:
        return {"blue": STEADY, "green": self.canary.pop(0)}

    def alerts(self, service: str) -> list[Alert]:
        return self.firing


# The new colour's earlier version's alert, still firing on its old series.
EARLIER = Alert("ErrorsAfterDeploy", "green", "v1.0.0-3-gbad")


def judged(
    *canary: Figures, limit: int = 2, alerts: tuple[Alert, ...] = (EARLIER,), max_wait=60.0
) -> tuple[str, list[tuple[str, str]]]:
    """The step's decision, and what it logged, with one window per figures;
    the new colour runs v1.0.0-4-ggood."""
    logged = []
    policy = Policy(window=0.01, min_requests=100, failure_limit=limit, max_wait=max_wait)
    watch = progressive.Watch(
        policy=policy,
        prometheus=ScriptedPrometheus(list(canary), list(alerts)),
        save=lambda state: None,
        log=lambda action, outcome, details: logged.append((action, outcome)),
    )
    run = progressive.switch.Run(backend=None, say=lambda line: None)
    colours = progressive.Colours("blue", "green", "v1.0.0-4-ggood")
    verdict = progressive._judge_step(run, watch, service_named("collections"), colours, set())
    return verdict.decision, logged


SLOW = Figures(requests=200, errors=0, p99=0.900)


def test_one_slow_window_is_judged_again_and_a_good_one_passes_the_step():
    assert judged(SLOW, Figures(requests=200, p99=0.040)) == (PASS, [("release check", FAIL)])


def test_a_release_slow_in_every_window_fails_at_the_failure_limit():
    assert judged(SLOW, SLOW, SLOW, limit=3) == (
        FAIL,
        [("release check", FAIL), ("release check", FAIL)],
    )
    assert judged(SLOW, limit=1) == (FAIL, [])


def test_too_little_traffic_waits_for_a_longer_window_then_judges_it():
    assert judged(Figures(requests=10), Figures(requests=200, p99=0.040)) == (PASS, [])


def test_too_little_traffic_until_the_longest_wait_fails_the_step_unmeasured():
    quiet = Figures(requests=10)

    assert judged(quiet, quiet, quiet, max_wait=0.01) == (FAIL, [])


def test_an_alert_about_the_new_version_fails_the_step_at_once():
    mine = Alert("ErrorsAfterDeploy", "green", "v1.0.0-4-ggood")
    budget = Alert("ErrorBudgetBurnFast")

    assert judged(Figures(requests=200, p99=0.040), alerts=(mine,)) == (FAIL, [])
    assert judged(Figures(requests=200, p99=0.040), alerts=(budget,)) == (FAIL, [])


def test_the_settings_come_from_the_environment():
    policy = Policy.from_env(
        {"RELEASE_STEPS": "5, 20 60 100", "RELEASE_WINDOW": "30", "RELEASE_MIN_REQUESTS": "50"}
    )

    assert (policy.steps, policy.window, policy.min_requests) == ((5, 20, 60), 30.0, 50)
    assert Policy.from_env({}) == Policy()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RELEASE_STEPS", "50 25"),
        ("RELEASE_STEPS", "100"),
        ("RELEASE_STEPS", "ten"),
        ("RELEASE_STEPS", "0 50"),
        ("RELEASE_WINDOW", "0"),
        ("RELEASE_MIN_REQUESTS", "1.5"),
        ("RELEASE_ERROR_TOLERANCE", "nan"),
        ("RELEASE_FAILURE_LIMIT", "0"),
    ],
)
def test_a_malformed_setting_is_refused_by_name(name, value):
    with pytest.raises(SettingError, match=name):
        Policy.from_env({name: value})


def test_the_deploy_log_appends_and_reads_back_one_service_s_events(tmp_path):
    history.record(tmp_path, "collections", "deploy", "done", live="blue -> green")
    history.record(tmp_path, "analytics", "canary", "failed", error="not ready")
    history.record(tmp_path, "collections", "rollback", "done", live="green -> blue")

    mine = history.events(tmp_path, "collections")
    assert [(e["action"], e["live"]) for e in mine] == [
        ("deploy", "blue -> green"),
        ("rollback", "green -> blue"),
    ]
    assert all(e["by"] and e["at"] for e in mine)
    assert len(history.events(tmp_path)) == 3
    lines = history.table(history.events(tmp_path)).splitlines()
    assert "analytics" in lines[1] and "failed" in lines[1] and "error=not ready" in lines[1]


def test_an_empty_deploy_log_says_so(tmp_path):
    assert history.table(history.events(tmp_path)) == "No deploys recorded yet."


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    git(tmp_path, "init", "--quiet")
    (tmp_path / "app.py").write_text("VERSION = 1\n")
    git(tmp_path, "add", "app.py")
    git(tmp_path, "commit", "--quiet", "-m", "one")
    git(tmp_path, "tag", "v1")
    return tmp_path


def test_a_clean_tree_deploys_its_current_commit(repo):
    resolved = releases.Source().resolve(repo)

    assert resolved.commit == git(repo, "rev-parse", "HEAD")
    assert (resolved.version, resolved.working_tree) == ("v1", False)


def test_a_dirty_tree_is_refused_unless_allowed(repo):
    (repo / "app.py").write_text("VERSION = 2\n")

    with pytest.raises(releases.SourceError, match="ALLOW_DIRTY=1"):
        releases.Source().resolve(repo)
    allowed = releases.Source(allow_dirty=True).resolve(repo)
    assert (allowed.version, allowed.working_tree) == ("v1-dirty", True)


def test_a_new_file_is_not_deployed_unless_the_tree_is_deployed_as_it_is(repo):
    (repo / "new.py").write_text("NEW = True\n")

    assert releases.Source().resolve(repo).working_tree is False
    as_it_is = releases.Source(allow_dirty=True).resolve(repo)
    assert (as_it_is.version, as_it_is.working_tree) == ("v1-dirty", True)


def test_a_ref_names_its_commit_whatever_the_tree_holds(repo):
    first = git(repo, "rev-parse", "HEAD")
    (repo / "app.py").write_text("VERSION = 2\n")
    git(repo, "commit", "--quiet", "-am", "two")

    assert releases.Source("v1").resolve(repo).commit == first
    with pytest.raises(releases.SourceError, match="no commit 'v9'"):
        releases.Source("v9").resolve(repo)


def entries(lock_text: str) -> dict[str, str]:
    """A lock's entries by package name: the pin line and its --hash lines."""
    found = re.findall(r"^(([A-Za-z0-9_.-]+)==\S+.*(?:\n[ \t]+.*)*)", lock_text, re.M)
    return {name.lower(): entry for entry, name in found}


def pins(path: Path) -> set[str]:
    return {m.lower() for m in re.findall(r"^([A-Za-z0-9_.-]+==[^\s;]+)", path.read_text(), re.M)}


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_each_lock_pins_what_its_requirements_name_every_package_hashed(service):
    folder = REPO_ROOT / service.package
    lock = (folder / environments.LOCK_FILE).read_text()

    assert pins(folder / "requirements.txt") <= pins(folder / environments.LOCK_FILE)
    assert len(entries(lock)) == len(pins(folder / environments.LOCK_FILE))
    assert all("--hash=sha256:" in entry for entry in entries(lock).values())


def test_an_unchanged_lock_reuses_its_environment():
    lock = REPO_ROOT / "collections_service" / environments.LOCK_FILE
    envs = REPO_ROOT / "var" / "envs"

    built = environments.ensure(envs, lock)
    done = (built / environments.DONE_MARK).stat().st_mtime_ns
    again = environments.ensure(envs, lock)

    assert again == built
    assert (built / environments.DONE_MARK).stat().st_mtime_ns == done
    runs = subprocess.run(
        [str(environments.python(built)), "-c", "import flask, gunicorn, sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
    )
    assert runs.stdout.strip() == str(built)


def test_a_changed_lock_gets_an_environment_of_its_own_from_the_wheel_cache(tmp_path):
    whole = REPO_ROOT / "collections_service" / environments.LOCK_FILE
    environments.ensure(REPO_ROOT / "var" / "envs", whole)  # the cache holds its wheels
    lock = tmp_path / "one" / environments.LOCK_FILE
    lock.parent.mkdir()
    lock.write_text(entries(whole.read_text())["blinker"] + "\n")
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "wheels").symlink_to(REPO_ROOT / "var" / "envs" / "wheels")
    said = []

    built = environments.ensure(envs, lock, said.append)

    assert built.name != environments.key(whole.read_text())
    assert not any("downloading" in line for line in said)  # offline, from the cache
    probe = "from importlib.util import find_spec as f; print(bool(f('blinker')), bool(f('flask')))"
    runs = subprocess.run(
        [str(environments.python(built)), "-c", probe], capture_output=True, text=True
    )
    assert runs.stdout.split() == ["True", "False"]


def test_a_package_whose_hash_does_not_match_is_never_installed(tmp_path):
    lock = tmp_path / "bad" / environments.LOCK_FILE
    lock.parent.mkdir()
    lock.write_text("cachetools==8.0.2 \\\n    --hash=sha256:" + "0" * 64 + "\n")

    with pytest.raises(environments.EnvironmentFailed, match="HASHES"):
        environments.ensure(tmp_path / "envs", lock, say=lambda _: None)
    assert [p.name for p in (tmp_path / "envs").iterdir()] == ["wheels"]
