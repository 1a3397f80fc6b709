"""Scopes: what an operation needs, by the blueprint it belongs to.

Every operation needs exactly one scope. A blueprint names them: reads
(GET, HEAD) need its read scope, writes (POST, PUT, PATCH, DELETE) its write
scope. A blueprint without scopes is public (health, the API document).
OPTIONS needs none: it says which methods a route takes, and no data.
"""

from dataclasses import dataclass

READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Scopes:
    read: str
    write: str | None = None
    # What each scope lets a client do, for the OpenAPI document.
    read_means: str = ""
    write_means: str = ""

    @classmethod
    def of(cls, resource: str) -> "Scopes":
        """`<resource>:read` for reads and `<resource>:write` for writes."""
        return cls(
            f"{resource}:read",
            f"{resource}:write",
            f"Read {resource}.",
            f"Create, change and delete {resource}.",
        )

    def meaning(self, scope: str) -> str:
        return self.read_means if scope == self.read else self.write_means

    def needed(self, method: str) -> str | None:
        """The scope a request with this method needs; None for OPTIONS."""
        if method == "OPTIONS":
            return None
        if method in READS:
            return self.read
        if self.write is None:  # a write route on a read-only blueprint: never public
            raise LookupError(f"{method} needs a write scope; this blueprint names none")
        return self.write
