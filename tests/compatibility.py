"""Is a new version of the public document compatible with the old one?
openapi-diff (npm, pinned in package.json) classifies each difference as
breaking, non-breaking (additive) or unclassified."""

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from deploy.platform import REPO_ROOT

OPENAPI_DIFF = REPO_ROOT / "node_modules" / ".bin" / "openapi-diff"


@dataclass
class Changes:
    breaking: list[str] = field(default_factory=list)
    additive: list[str] = field(default_factory=list)
    unclassified: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.breaking or self.additive or self.unclassified)

    def report(self) -> str:
        lines = [f"breaking: {change}" for change in self.breaking]
        lines += [f"additive: {change}" for change in self.additive]
        return "\n".join(lines + [f"unclassified: {change}" for change in self.unclassified])


def compare(old: dict, new: dict) -> Changes:
    """What changed from `old` to `new`, one line per difference."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "old.json", Path(folder) / "new.json"]
        for path, document in zip(paths, (old, new), strict=True):
            path.write_text(json.dumps(document))
        result = subprocess.run(
            [str(OPENAPI_DIFF), *map(str, paths)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    if result.returncode == 0 and "No changes found" in result.stdout:
        return Changes()
    if "{" not in result.stdout:
        raise RuntimeError(f"openapi-diff failed: {result.stderr or result.stdout}")
    found = json.loads(result.stdout[result.stdout.index("{") :])
    return Changes(
        breaking=[_line(d) for d in found.get("breakingDifferences", [])],
        additive=[_line(d) for d in found.get("nonBreakingDifferences", [])],
        unclassified=[_line(d) for d in found.get("unclassifiedDifferences", [])],
    )


def _line(difference: dict) -> str:
    details = difference["sourceSpecEntityDetails"] or difference["destinationSpecEntityDetails"]
    where = ", ".join(detail["location"] for detail in details)
    return f"{difference['code']} at {where}"
