"""Access through the real gateway and services: every operation of every
service's OpenAPI document needs its one scope (a matrix made from the
documents, so a new route cannot be missed), forged tokens are refused,
and the services call each other with their own scopes only."""

import json
import time

import requests

from deploy import keys, local
from service_kit.tests.test_tokens import forgeries
from tests.conftest import http, rows

EVERY_SCOPE = set(keys.SCOPES)
IDS = {"collection_id", "location_id"}


def documents(system) -> dict[str, dict]:
    """Each service's own document, from its live colour."""
    found = {}
    for service in ("collections", "locations", "analytics"):
        colour = local.live_program(system, service).rpartition("-")[2]
        url = f"{system.internal_url}/internal/colours/{service}/{colour}/openapi.json"
        found[service] = requests.get(url, timeout=5).json()
    return found


def operations(system) -> list[tuple[str, str, str]]:
    """(method, path, scope) of every operation that names a scope."""
    found = []
    for document in documents(system).values():
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                if method == "parameters" or "security" not in operation:
                    continue
                [requirement] = operation["security"]
                [scope] = requirement["oauth2"]
                found.append((method.upper(), path, scope))
    return found


def snapshot(system) -> tuple:
    """Everything a write could change, in every database."""
    digest = "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM {} t"
    return (
        rows(system, "collections", digest.format("collections")),
        rows(system, "collections", "SELECT count(*) FROM collection_changes"),
        rows(system, "locations", digest.format("locations")),
    )


def call(system, method: str, path: str, token: str | None, ids: dict) -> requests.Response:
    base = system.internal_url if path.startswith("/internal") else system.public_url
    url = base + path.format(**ids)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return requests.request(method, url, json=body, headers=headers, timeout=10)


def test_every_operation_needs_its_one_scope_and_refusals_change_nothing(
    system, public, keys_dir, fresh_location
):
    created = http.post(
        f"{public}/api/v1/collections",
        json={
            "location": fresh_location,
            "waste_type": "Glass",
            "quantity": 3,
            "unit": "Kg",
            "collected_date": "2026-04-01T00:00:00Z",
        },
        timeout=5,
    ).json()
    place = http.get(f"{public}/api/v1/locations", params={"name": fresh_location}, timeout=5)
    ids = {"collection_id": created["id"], "location_id": place.json()[0]["id"]}
    matrix = operations(system)
    wrong = []

    for method, path, scope in matrix:
        others = keys.mint(keys_dir, "matrix", " ".join(EVERY_SCOPE - {scope}))
        only = keys.mint(keys_dir, "matrix", scope)
        before = snapshot(system)
        anonymous = call(system, method, path, None, ids)
        lacking = call(system, method, path, others, ids)
        unchanged = snapshot(system) == before
        allowed = call(system, method, path, only, ids)
        challenge = lacking.headers.get("WWW-Authenticate", "")
        if not (
            anonymous.status_code == 401
            and anonymous.headers.get("WWW-Authenticate", "").startswith("Bearer")
            and lacking.status_code == 403
            and f'scope="{scope}"' in challenge
            and 'error="insufficient_scope"' in challenge
            and unchanged
            and allowed.status_code not in (401, 403)
        ):
            wrong.append((method, path, anonymous.status_code, lacking.status_code, unchanged))

    print(f"\n{len(matrix)} operations, each refused without its scope and served with it")
    assert len(matrix) >= 15
    assert wrong == []


def test_the_scopes_the_documents_name_are_the_scopes_a_token_may_hold(system):
    assert {scope for _, _, scope in operations(system)} == EVERY_SCOPE


def test_health_and_the_documents_are_public(system):
    for service in ("collections", "locations", "analytics"):
        assert (
            requests.get(
                f"{system.internal_url}/internal/health/{service}/ready", timeout=5
            ).status_code
            == 200
        )
    assert documents(system)["collections"]["openapi"].startswith("3.")


def test_forged_tokens_are_refused_on_a_read_and_a_write_and_store_nothing(
    system, public, keys_dir, fresh_location
):
    body = {
        "location": fresh_location,
        "waste_type": "Glass",
        "quantity": 1,
        "unit": "Kg",
        "collected_date": "2026-04-01T00:00:00Z",
    }
    before = snapshot(system)
    answers = {}
    for name, token in forgeries(keys_dir).items():
        auth = {"Authorization": f"Bearer {token}"}
        read = requests.get(f"{public}/api/v1/collections", headers=auth, timeout=5)
        write = requests.post(f"{public}/api/v1/collections", json=body, headers=auth, timeout=5)
        answers[name] = (read.status_code, write.status_code, write.headers["WWW-Authenticate"])
        assert read.json()["status"] == 401
        assert token not in write.text and "kid" not in write.text

    assert all(
        (read, written) == (401, 401) and 'error="invalid_token"' in challenge
        for read, written, challenge in answers.values()
    ), answers
    assert snapshot(system) == before


def service_token(system, client: str) -> str:
    secret = keys.client_secret(system.keys, client)
    granted = requests.post(
        system.token_url,
        data={"grant_type": "client_credentials"},
        auth=(client, secret),
        timeout=5,
    )
    return granted.json()["access_token"]


def test_each_service_token_does_only_what_that_service_needs(system):
    collections, analytics = (
        service_token(system, "collections"),
        service_token(system, "analytics"),
    )
    internal = system.internal_url

    def status(token: str, method: str, path: str) -> int:
        auth = {"Authorization": f"Bearer {token}"}
        return requests.request(
            method, internal + path, headers=auth, json={}, timeout=5
        ).status_code

    feed = "/internal/v1/collections/changes?limit=1"
    assert status(collections, "GET", "/api/v1/locations?limit=1") == 200
    assert status(collections, "POST", "/api/v1/locations") == 403
    assert status(collections, "GET", feed) == 403
    assert status(analytics, "GET", feed) == 200
    assert status(analytics, "GET", "/api/v1/locations?limit=1") == 200
    assert status(analytics, "GET", "/api/v1/collections?limit=1") == 403
    assert status(analytics, "GET", "/api/v1/analytics/summary") == 403


def test_the_access_line_names_the_subject_never_the_token(system, public, keys_dir):
    token = keys.mint(keys_dir, "crew-7", "collections:read")
    marker = f"sub-{time.monotonic_ns()}"

    requests.get(
        f"{public}/api/v1/collections",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": marker},
        timeout=5,
    )

    log = system.run_dir / "logs" / f"{local.live_program(system, 'collections')}.log"
    for _ in range(40):
        lines = [json.loads(line) for line in log.read_text().splitlines() if marker in line]
        if lines:
            break
        time.sleep(0.05)
    assert [line["sub"] for line in lines] == ["crew-7"]
    assert token not in log.read_text()
