"""Expand/contract, checked: every service's migrations at head, then the
previous release's code on that schema, judged by its own contract suite.

This is what a deploy does to the live colour (it keeps running on the
schema the new colour migrated) and what a rollback does (the older code
comes back on the newer schema). A migration that drops or renames what the
previous release uses fails here, before it can be released.

The previous release is PREVIOUS_RELEASE (a git ref: set it to what runs
live), else the commit before the code under test: HEAD~1 in a clean
checkout, HEAD while the working tree has changes.
"""

import io
import os
import subprocess
import sys
import tarfile
from dataclasses import replace

import pytest

from conftest import TEST_DATABASE_URL
from deploy import keys, local, state
from deploy.platform import REPO_ROOT, SERVICES
from tests.conftest import deploy_cli, make_platform


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, check=True)


def previous_release() -> str:
    if os.environ.get("PREVIOUS_RELEASE"):
        return os.environ["PREVIOUS_RELEASE"]
    changed = git("status", "--porcelain").stdout.strip()
    return "HEAD" if changed else "HEAD~1"


@pytest.fixture(scope="module")
def at_head(tmp_path_factory, keys_dir):
    """The system with every service's migrations at head (this tree's)."""
    folder = tmp_path_factory.mktemp("schema")
    # Unmeasured: its colours come to run an older commit's code, which
    # coverage would count against this tree's lines.
    platform = replace(
        make_platform(folder / "run", 22080, 22081, 8000, keys_dir), extra_python_path=""
    )
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield up


def test_the_previous_release_passes_its_own_contract_suite_on_the_schema_at_head(
    at_head, tmp_path, capsys
):
    previous = previous_release()
    commit = git("rev-parse", f"{previous}^{{commit}}").stdout.decode().strip()

    for service in SERVICES:
        deployed = deploy_cli(
            "deploy", service.name, "--ref", commit, "--run-dir", str(at_head.run_dir)
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    states = state.load(at_head.run_dir)
    assert {s.releases[s.live].commit for s in states.values()} == {commit}

    # Its own tests, as they were at that commit.
    archive = git("archive", "--format=tar", commit).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    token = keys.mint(at_head.keys, "contract", " ".join(keys.SCOPES))
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract"],
        cwd=tmp_path,
        env={
            **os.environ,
            "CONTRACT_BASE_URL": at_head.public_url,
            "CONTRACT_TOKEN": token,
            "TEST_DATABASE_URL": TEST_DATABASE_URL,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )

    with capsys.disabled():
        print(
            f"\n{previous} ({commit[:12]}) on the schema at head: {suite.stdout.splitlines()[-1]}"
        )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
