"""The container assets, checked without a Docker engine: the compose file
against the compose specification, every Dockerfile with hadolint."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.platform import REPO_ROOT

BIN = Path(sys.executable).parent
DOCKERFILES = sorted([*REPO_ROOT.glob("*/Dockerfile"), *REPO_ROOT.glob("*/*.Dockerfile")])


def test_the_compose_file_follows_the_compose_specification():
    result = subprocess.run(
        [
            BIN / "check-jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            REPO_ROOT / "docker-compose.yml",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "POSTGRES_PASSWORD": "only-for-the-check"},
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.parent.name)
def test_each_dockerfile_passes_hadolint(dockerfile):
    result = subprocess.run(
        [BIN / "hadolint", "--failure-threshold", "info", dockerfile],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.parent.name)
def test_each_image_runs_as_a_numeric_non_root_user_with_a_health_check(dockerfile):
    text = dockerfile.read_text()

    [user] = re.findall(r"^USER (\S+)$", text, flags=re.MULTILINE)
    assert user.isdigit() and user != "0"
    assert "HEALTHCHECK" in text
