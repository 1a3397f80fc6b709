"""`make release` on a monitored platform under a mixed load through the
gateway: a healthy release is promoted, a release that fails one request in
ten and one that adds 200 ms to each request are rolled back on their own,
each within a bounded time, and no acknowledged write is lost.

The faulty releases are real versions of the code: commits made by this test
(on no branch) of this working tree with a fault appended to collections'
app factory. No setting of the product can switch a fault on.
"""

import json
import os
import re
import subprocess
import time
import uuid
from dataclasses import replace

import pytest

from conftest import TEST_DATABASE_URL
from deploy import history, local, state
from deploy.platform import REPO_ROOT
from tests.conftest import add_location, deploy_cli, make_platform, rows
from tests.traffic import Traffic

# Short windows: the load below gives the new colour 15-30 requests a second at 20%.
POLICY = {
    "RELEASE_STEPS": "20 50 100",
    "RELEASE_WINDOW": "10",
    "RELEASE_MIN_REQUESTS": "40",
    "RELEASE_MAX_WAIT": "40",
    # A colour's first requests (new connections, cold caches) make a noisy
    # p99 on two shared cores; 200 ms added is still well beyond this.
    "RELEASE_LATENCY_SLACK": "0.1",
}
# A rolled-back release takes its start, two windows (two failed checks) and
# Prometheus's delay.
ROLLBACK_WITHIN_S = 60
APP = "collections_service/app.py"
# The faults, appended to the app factory: they touch only the public API, so
# the colour still starts, answers ready and passes its smoke test (its first
# request), as a real bad release would.
FAULTS = {
    "fails one request in ten": """
import itertools as _itertools

from flask import abort as _abort
from flask import request as _request

_real_create_app = create_app
_requests = _itertools.count(1)


def create_app(config=None):
    app = _real_create_app(config)

    @app.before_request
    def _fail_one_in_ten():
        if _request.path.startswith("/api/") and next(_requests) % 10 == 0:
            _abort(500)

    return app
""",
    "adds 200 ms to each request": """
import time as _time

from flask import request as _request

_real_create_app = create_app


def create_app(config=None):
    app = _real_create_app(config)

    @app.before_request
    def _slow_down():
        if _request.path.startswith("/api/"):
            _time.sleep(0.2)

    return app
""",
}


def git(*args: str, env: dict | None = None, stdin: str | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def commit_of_this_tree(index_dir, fault: str | None = None) -> str:
    """A commit of the working tree as it is (with `fault` appended to the app
    factory), written to the repository's objects without moving any ref."""
    index = index_dir / f"index-{uuid.uuid4().hex[:8]}"
    names = {"GIT_AUTHOR_NAME": "tests", "GIT_AUTHOR_EMAIL": "tests@localhost"}
    names |= {"GIT_COMMITTER_NAME": "tests", "GIT_COMMITTER_EMAIL": "tests@localhost"}
    env = {**os.environ, "GIT_INDEX_FILE": str(index), **names}
    git("read-tree", "HEAD", env=env)
    git("add", "--all", env=env)
    if fault:
        text = (REPO_ROOT / APP).read_text() + fault
        blob = git("hash-object", "-w", "--stdin", env=env, stdin=text)
        git("update-index", "--cacheinfo", f"100644,{blob},{APP}", env=env)
    tree = git("write-tree", env=env)
    return git("commit-tree", tree, "-p", "HEAD", "-m", f"test release: {fault or 'healthy'}")


@pytest.fixture(scope="module")
def monitored(tmp_path_factory, keys_dir):
    folder = tmp_path_factory.mktemp("releases")
    platform = replace(make_platform(folder / "run", 20080, 20081, 6000, keys_dir), monitor=True)
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield up


def release(platform, ref: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    run_dir = str(platform.run_dir)
    result = deploy_cli(
        "release", "collections", "--ref", ref, "--run-dir", run_dir, settings=POLICY
    )
    return result, time.monotonic() - started


def show(results: dict, capsys) -> None:
    """Print each release's decisions and figures, and how it ended."""
    with capsys.disabled():
        for name, (result, seconds) in results.items():
            decided = [line for line in result.stdout.splitlines() if "after" in line]
            print(f"\n{name}: exit {result.returncode} after {seconds:.0f}s", *decided, sep="\n  ")
            print("  " + (result.stderr.strip() or "(no error)"))


def stored(platform, place: str) -> dict[int, tuple[float, str]]:
    found = rows(
        platform,
        "collections",
        "SELECT id, quantity, status FROM collections WHERE location = :place",
        place=place,
    )
    return {i: (quantity, status) for i, quantity, status in found}


def test_a_healthy_release_is_promoted_and_bad_ones_roll_themselves_back(
    monitored, tmp_path, capsys
):
    place = add_location(monitored.public_url, f"Release Depot {uuid.uuid4().hex[:8]}")
    healthy = commit_of_this_tree(tmp_path)
    faulty = {name: commit_of_this_tree(tmp_path, fault) for name, fault in FAULTS.items()}
    results = {}

    with Traffic(
        monitored.public_url, place["name"], place["id"], clients=4, pause=0.01
    ) as traffic:
        time.sleep(5)  # the stable colour's figures, before the first step
        results["healthy"] = release(monitored, healthy)
        promoted = state.load(monitored.run_dir)["collections"]
        for name, ref in faulty.items():
            results[name] = release(monitored, ref)

    show(results, capsys)
    assert results["healthy"][0].returncode == 0, results["healthy"][0].stderr
    assert promoted.releases[promoted.live].commit == healthy
    decided = {
        "fails one request in ten": r"rolled back at 20%: error ratio \S+ against",
        "adds 200 ms to each request": r"rolled back at 20%: p99 \d+ ms against",
    }
    for name, reason in decided.items():
        result, seconds = results[name]
        assert result.returncode == 1, f"{name}: {result.stdout}"
        assert re.search(reason, result.stderr), result.stderr
        assert seconds < ROLLBACK_WITHIN_S, f"{name} took {seconds:.0f}s"
    # The stable colour kept, and has, all of the traffic.
    after = state.load(monitored.run_dir)["collections"]
    assert (after.live, after.canary_percent) == (promoted.live, 0)
    assert after.releases[after.live].commit == healthy
    # Every acknowledged write is stored as acknowledged.
    kept = stored(monitored, place["name"])
    assert len(traffic.record.created) > 100
    assert {i: q for i, (q, _) in kept.items()} == traffic.record.created
    assert all(kept[i][1] == "Completed" for i in traffic.record.completed)
    assert_logged(monitored)


def assert_logged(platform) -> None:
    """Every release, step and decision is in the deploy log, which `make
    history` prints as it is."""
    events = history.events(platform.run_dir, "collections")
    outcomes = [e["outcome"] for e in events if e["action"] == "release"]
    assert outcomes == ["done", "rolled back", "rolled back"]
    decisions = [e for e in events if e["action"] == "release step" and e["outcome"] != "started"]
    assert [e["decision"] for e in decisions] == ["pass", "pass", "fail", "fail"]
    assert all(e["canary"]["requests"] >= 40 <= e["stable"]["requests"] for e in decisions)
    printed = deploy_cli("history", "collections", "--json", "--run-dir", str(platform.run_dir))
    assert [json.loads(line) for line in printed.stdout.splitlines()] == events
