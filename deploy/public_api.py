"""The public API's one OpenAPI document, merged from the live colours' own.

`GET /api/v1/openapi.json` on the public listener is this file, served by
the gateway. It is rebuilt whenever the live colours change (start, deploy,
rollback, canary), from each live colour's `/openapi.json`, so it describes
what answers now. It keeps the public operations only (`/api/...`: no
`/internal` or `/health` route) and the components they use; its server is
the gateway itself (a relative URL, true behind any host name).

docs/openapi.json is the checked-in copy; tests/test_public_api.py fails
when the generated one differs and says whether the change is additive or
breaking (`python -m deploy openapi` rewrites it).
"""

import contextlib
import copy
import importlib
import json
import os
import tempfile
from pathlib import Path

import requests

from deploy.platform import SERVICES, Platform

PUBLIC_PREFIX = "/api/"
CHECKED_IN = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
INFO = {
    "title": "Waste collection API",
    "version": "1.0.0",
    "description": (
        "Collections (what waste, how much, where, when, done or not), the locations"
        " where waste is collected, and tonnage by material, place and period. Every"
        ' operation needs a bearer token with its scope (README, "Access"); errors'
        " are application/problem+json (RFC 9457)."
    ),
}
SERVERS = [{"url": "/", "description": "This gateway"}]


def merged(documents: dict[str, dict]) -> dict:
    """One document from each service's own (`{service name: document}`)."""
    first = next(iter(documents.values()))
    result = {
        "openapi": first["openapi"],
        "info": INFO,
        "servers": SERVERS,
        "tags": [],
        "paths": {},
        "components": {},
    }
    for service, document in documents.items():
        document = _renamed_clashes(service, document, result["components"])
        public = {p: o for p, o in document["paths"].items() if p.startswith(PUBLIC_PREFIX)}
        result["paths"].update(public)
        for kind, entries in document.get("components", {}).items():
            if kind == "securitySchemes":
                _merge_schemes(result["components"].setdefault(kind, {}), entries)
            else:
                result["components"].setdefault(kind, {}).update(entries)
        result["tags"] += [t for t in document.get("tags", []) if _tag_used(t["name"], public)]
    result["components"] = _used_components(result)
    _keep_used_scopes(result)
    return result


def _renamed_clashes(service: str, document: dict, seen: dict) -> dict:
    """The document with each component that another service defines
    differently under the same name renamed `<Service><Name>`."""
    renames = {}
    for kind, entries in document.get("components", {}).items():
        if kind == "securitySchemes":  # one scheme, each service naming its scopes
            continue
        for name, value in entries.items():
            if name in seen.get(kind, {}) and seen[kind][name] != value:
                renames[f"#/components/{kind}/{name}"] = (kind, name, service.title() + name)
    if not renames:
        return document
    text = json.dumps(document)
    for reference, (kind, _, new_name) in renames.items():
        text = text.replace(f'"{reference}"', f'"#/components/{kind}/{new_name}"')
    document = json.loads(text)
    for kind, name, new_name in renames.values():
        document["components"][kind][new_name] = document["components"][kind].pop(name)
    return document


def _merge_schemes(schemes: dict, more: dict) -> None:
    """Each scheme once; an OAuth 2 scheme's flows with every service's scopes."""
    for name, scheme in more.items():
        if name not in schemes:
            schemes[name] = copy.deepcopy(scheme)
            continue
        for flow, settings in scheme.get("flows", {}).items():
            kept = schemes[name]["flows"].setdefault(flow, copy.deepcopy(settings))
            kept["scopes"] = dict(sorted((kept["scopes"] | settings["scopes"]).items()))


def _keep_used_scopes(document: dict) -> None:
    """Only the scopes some public operation needs (not the internal feed's)."""
    used = {
        scope
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for requirement in operation.get("security", [])
        for scopes in requirement.values()
        for scope in scopes
    }
    for scheme in document["components"]["securitySchemes"].values():
        for flow in scheme.get("flows", {}).values():
            flow["scopes"] = {s: text for s, text in flow["scopes"].items() if s in used}


def _tag_used(tag: str, paths: dict) -> bool:
    operations = [op for item in paths.values() for op in item.values() if isinstance(op, dict)]
    return any(tag in operation.get("tags", []) for operation in operations)


def _used_components(document: dict) -> dict:
    """Only the components the paths reach (directly or through others);
    every security scheme stays."""
    components = document["components"]
    wanted = {"securitySchemes": copy.deepcopy(components.get("securitySchemes", {}))}
    pending = list(_references(document["paths"]))
    while pending:
        _, _, kind, name = pending.pop().split("/")
        if name in wanted.setdefault(kind, {}):
            continue
        wanted[kind][name] = components[kind][name]
        pending += _references(components[kind][name])
    return {kind: dict(sorted(entries.items())) for kind, entries in sorted(wanted.items())}


def _references(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def live_documents(platform: Platform, live: dict[str, str]) -> dict[str, dict]:
    """Each service's document, as its live colour (`live[name]`) serves it."""
    documents = {}
    for service in SERVICES:
        url = f"http://127.0.0.1:{platform.port(service, live[service.name])}/openapi.json"
        response = requests.get(url, timeout=5)
        response.raise_for_status()
        documents[service.name] = response.json()
    return documents


def tree_documents() -> dict[str, dict]:
    """Each service's document as this working tree's code makes it (no
    process started: the apps in this one, on a throwaway SQLite file)."""
    from deploy import keys

    documents = {}
    with tempfile.TemporaryDirectory() as folder:
        keys.ensure(Path(folder))
        env = {"JWKS_FILE": f"{folder}/jwks.json", "LOG_LEVEL": "ERROR"}
        for service in SERVICES:
            env["DATABASE_URL"] = f"sqlite:///{folder}/{service.name}.db"
            with _environment(env):
                app = importlib.import_module(f"{service.package}.app").create_app()
            documents[service.name] = app.test_client().get("/openapi.json").get_json()
    return documents


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def write_checked_in() -> Path:
    """Rewrite docs/openapi.json from this tree (`python -m deploy openapi`)."""
    CHECKED_IN.write_text(serialised(merged(tree_documents())))
    return CHECKED_IN


def public_file(platform: Platform) -> Path:
    """Where the gateway serves /api/v1/openapi.json from."""
    return platform.run_dir / "nginx" / "public" / "openapi.json"


def publish(platform: Platform, live: dict[str, str]) -> Path:
    """Write the merged document of the live colours where the gateway
    serves it (whole or not at all: a reader never sees half a file; and
    two commands publishing at once each write a file of their own)."""
    target = public_file(platform)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = serialised(merged(live_documents(platform, live)))
    with tempfile.NamedTemporaryFile(
        "w", dir=target.parent, prefix=".openapi-", suffix=".json", delete=False
    ) as written:
        written.write(text)
    os.chmod(written.name, 0o644)
    os.replace(written.name, target)
    return target


def serialised(document: dict) -> str:
    """The document as the checked-in file holds it (stable, diffable)."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
