"""A colour's own copy of one version of a service: its code and its environment.

Deploying writes the service's package and service_kit, at a git ref (the
current commit by default), into run_dir/releases/<service>-<colour>/, with
`env` pointing at the Python environment built from that version's lock file
(deploy/environments.py). The other colour's release stays as it was, which
is what a rollback starts again.
"""

import getpass
import io
import os
import shutil

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deploy import environments
from deploy.platform import REPO_ROOT, Platform, Service
from deploy.state import Release

SHARED_PACKAGES = ("service_kit",)
VERSION_FILE = "VERSION"
ENV_LINK = "env"
LEFT_OUT = ("tests", "__pycache__")


class SourceError(ValueError):
    """The version asked for cannot be deployed (unknown ref, dirty tree...)."""


@dataclass(frozen=True)
class Source:
    """Which version of the code a release is made from.

    `ref`: a git ref (tag, branch, commit); none: the current commit. A
    working tree with uncommitted changes is refused then, unless
    `allow_dirty`, which deploys the working tree as it is.
    """

    ref: str | None = None
    allow_dirty: bool = False

    def resolve(self, repo: Path = REPO_ROOT) -> "Resolved":
        """The commit to deploy (or the working tree), checked before anything starts."""
        if self.ref is not None:
            commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{self.ref}^{{commit}}")
            if commit is None:
                raise SourceError(f"no commit {self.ref!r} in this repository")
            return Resolved(repo, self.ref, commit, _describe(repo, commit))
        head = _git(repo, "rev-parse", "HEAD")
        if head is None:  # not a git checkout: its files are all there is
            return Resolved(repo, "working tree", "", "unknown", working_tree=True)
        branch = _git(repo, "rev-parse", "--abbrev-ref", "HEAD") or "HEAD"
        changes = (_git(repo, "status", "--porcelain") or "").splitlines()
        untracked_only = all(line.startswith("??") for line in changes)
        if not changes or (untracked_only and not self.allow_dirty):
            # The commit, as it is (files git does not track are not part of it).
            return Resolved(repo, branch, head, _describe(repo, head))
        if not self.allow_dirty:
            raise SourceError(
                "the working tree has uncommitted changes: commit them, deploy a REF, "
                "or deploy the working tree as it is with ALLOW_DIRTY=1"
            )
        version = _describe(repo, head) + "-dirty"
        return Resolved(repo, branch, head, version, working_tree=True)


# The platform's own start (`make run`, `make up`, the tests) runs the tree it is in.
WORKING_TREE = Source(allow_dirty=True)


@dataclass(frozen=True)
class Resolved:
    """A version found: in which repository, as asked, its commit, its name;
    `working_tree`: the files as they are, not the commit's."""

    repo: Path
    ref: str
    commit: str
    version: str
    working_tree: bool = False


def deployer() -> str:
    """Who deploys: DEPLOY_USER, else the login name (else the user id)."""
    if os.environ.get("DEPLOY_USER"):
        return os.environ["DEPLOY_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no USER and no passwd entry (a container)
        return str(os.getuid())


def make(
    platform: Platform,
    service: Service,
    colour: str,
    source: Resolved,
    say: Callable[[str], None] = print,
) -> Release:
    """Write `source`'s code and environment into the colour's release folder,
    replacing what it held."""
    target = platform.release_dir(service, colour)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    packages = (*SHARED_PACKAGES, service.package)
    if source.working_tree:
        for package in packages:
            ignore = shutil.ignore_patterns(*LEFT_OUT, "*.pyc")
            shutil.copytree(source.repo / package, partial / package, ignore=ignore)
    else:
        _extract(source, packages, partial)
    lock = partial / service.package / environments.LOCK_FILE
    if not lock.exists():
        shutil.rmtree(partial)
        raise SourceError(
            f"{source.ref} has no {service.package}/{environments.LOCK_FILE}: "
            "it predates per-release environments and cannot be deployed"
        )
    environment = environments.ensure(platform.envs, lock, say)
    (partial / ENV_LINK).symlink_to(environment, target_is_directory=True)
    # Read by gunicorn_defaults.py: the version every metric carries.
    (partial / VERSION_FILE).write_text(source.version + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return Release(
        version=source.version,
        ref=source.ref,
        commit=source.commit,
        requirements=environment.name.split("-py")[0],
        by=deployer(),
    )


def python(platform: Platform, service: Service, colour: str) -> Path:
    """The interpreter of a colour's release (through its `env` link, so a
    new release of the colour runs its own environment)."""
    return environments.python(platform.release_dir(service, colour) / ENV_LINK)


def exists(platform: Platform, service: Service, colour: str) -> bool:
    return (platform.release_dir(service, colour) / service.package).is_dir()


def _extract(source: Resolved, packages: tuple[str, ...], target: Path) -> None:
    """The packages' files at the source's commit, from git, without their tests."""
    # Git archive in the repository, found on PATH.
    archive = subprocess.run(  # nosec B603 B607
        ["git", "archive", "--format=tar", source.commit, *packages],
        cwd=source.repo,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = [m for m in tar.getmembers() if not set(Path(m.name).parts) & set(LEFT_OUT)]
        tar.extractall(target, members=members, filter="data")


def _describe(repo: Path, commit: str) -> str:
    return _git(repo, "describe", "--tags", "--always", "--abbrev=12", commit) or commit[:12]


def _git(repo: Path, *args: str) -> str | None:
    """A git command's output in `repo`, None when it failed."""
    # Git in the repository, found on PATH.
    result = subprocess.run(  # nosec B603 B607
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None
