"""A colour's own copy of the code, so each colour keeps running what it started with.

Deploying copies the service's package and service_kit from the working tree
into run_dir/releases/<service>-<colour>/; the other colour's copy stays as
it was, which is what a rollback starts again.
"""

import shutil

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404

from deploy.platform import REPO_ROOT, Platform, Service
from deploy.state import Release

SHARED_PACKAGES = ("service_kit",)
VERSION_FILE = "VERSION"
LEFT_OUT = shutil.ignore_patterns("tests", "__pycache__", "*.pyc")


def version() -> str:
    """The working tree's git commit, marked -dirty when it has changes."""
    # Git describe in the repository, found on PATH.
    result = subprocess.run(  # nosec B603 B607
        ["git", "describe", "--always", "--dirty", "--abbrev=12"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def make(platform: Platform, service: Service, colour: str) -> Release:
    """Copy the current code into the colour's release folder, replacing it."""
    target = platform.release_dir(service, colour)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    for package in (*SHARED_PACKAGES, service.package):
        shutil.copytree(REPO_ROOT / package, partial / package, ignore=LEFT_OUT)
    release = Release(version())
    # Read by gunicorn_defaults.py: the version every metric carries.
    (partial / VERSION_FILE).write_text(release.version + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return release


def exists(platform: Platform, service: Service, colour: str) -> bool:
    return (platform.release_dir(service, colour) / service.package).is_dir()
