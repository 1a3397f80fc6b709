"""Each release's own Python environment, from its service's hashed lock file.

A service pins every package it runs, with hashes, in
`<package>/requirements.lock` (`make lock` writes it with uv from the
service's requirements.txt). A release runs in a virtual environment built
from its own lock, so one service's dependency upgrade is deployed, canaried
and rolled back like its code.

Environments are kept in `var/envs/<key>/`, the key being a hash of the lock
and the Python that built it: a release whose lock did not change reuses the
one already built (no slower than a deploy without one). A new lock installs
offline from the wheel cache `var/envs/wheels/` when it holds every wheel,
and otherwise downloads them into it first (the hashes are checked both
times: pip's --require-hashes).
"""

import hashlib
import os
import shutil

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404
import sys
from collections.abc import Callable
from pathlib import Path

LOCK_FILE = "requirements.lock"
KEY_LENGTH = 16
DONE_MARK = ".complete"


class EnvironmentFailed(RuntimeError):
    """pip could not build a release's environment; its output says why."""


def key(lock_text: str) -> str:
    """The environment's name: the lock's hash (what `make status` shows as
    the requirements) and the Python minor version it was built for."""
    digest = hashlib.sha256(lock_text.encode()).hexdigest()[:KEY_LENGTH]
    return f"{digest}-py{sys.version_info.major}.{sys.version_info.minor}"


def ensure(envs_dir: Path, lock: Path, say: Callable[[str], None] = print) -> Path:
    """The environment for `lock`, built first if no release used it yet."""
    target = envs_dir / key(lock.read_text())
    if (target / DONE_MARK).exists():
        return target
    say(f"building a Python environment for {lock.parent.name} ({target.name})")
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _build(partial, lock, envs_dir / "wheels", say)
        (partial / DONE_MARK).touch()
        # A complete environment only ever appears by this rename, marked:
        # a target without the mark is what a crash left.
        if target.exists() and not (target / DONE_MARK).exists():
            shutil.rmtree(target)
        try:
            partial.rename(target)
        except OSError:
            if not (target / DONE_MARK).exists():
                raise
            # Another command built the same environment meanwhile: use it.
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def python(environment: Path) -> Path:
    return environment / "bin" / "python"


def _build(partial: Path, lock: Path, wheels: Path, say: Callable[[str], None]) -> None:
    """A venv at `partial` holding exactly the lock's packages."""
    _run([sys.executable, "-m", "venv", str(partial)], "venv")
    pip = [str(python(partial)), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    hashed = ["--require-hashes", "--no-deps", "--only-binary", ":all:", "-r", str(lock)]
    offline = [*pip, "install", "--no-index", "--find-links", str(wheels), *hashed]
    if wheels.is_dir() and _run(offline, "install", check=False) == 0:
        return
    say(f"downloading the wheels {lock.parent.name}'s lock names into {wheels}")
    wheels.mkdir(parents=True, exist_ok=True)
    _run([*pip, "download", "--dest", str(wheels), *hashed], "download")
    _run(offline, "install")


def _run(command: list[str], step: str, check: bool = True) -> int:
    # Python's venv and pip from this platform's interpreter, our own arguments.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    if check and result.returncode != 0:
        said = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise EnvironmentFailed(f"pip {step} failed: " + " | ".join(said))
    return result.returncode
