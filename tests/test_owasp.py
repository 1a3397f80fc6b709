"""The OWASP API Security Top 10 (2023) items that apply here, each with a
check against the running system and the tests that go deeper.

API6 (sensitive business flows), API7 (server-side request forgery) and
API9 (inventory) are out of this file: no flow here is worth automating
against (no purchases, no sign-ups), no request names a URL the services
fetch (their dependencies' URLs are settings), and the inventory is the
OpenAPI documents themselves (the matrix in test_access.py walks them).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from collections_service.locations import LocationDirectory
from deploy import keys
from service_kit.web.errors import DependencyUnavailable
from service_kit.web.outbound import BoundedClient
from tests.conftest import http

COLLECTIONS = "/api/v1/collections"
BODY = {
    "location": "Depot North",
    "waste_type": "Glass",
    "quantity": 2,
    "unit": "Kg",
    "collected_date": "2026-04-01T00:00:00Z",
}


def with_scopes(keys_dir, scopes: str) -> dict:
    return {"Authorization": f"Bearer {keys.mint(keys_dir, 'owasp', scopes)}"}


def test_api1_object_level_an_object_is_reached_only_with_its_resources_scope(public, keys_dir):
    """Objects here belong to the operation, not to a user: a scope grants a
    whole resource, so object-level authorization is the scope check on
    each id. Deeper: test_access.py's matrix, on every item route."""
    created = http.post(f"{public}{COLLECTIONS}", json=BODY, timeout=5).json()
    item = f"{public}{COLLECTIONS}/{created['id']}"

    for scopes in ("analytics:read", "locations:read locations:write"):
        assert (
            requests.get(item, headers=with_scopes(keys_dir, scopes), timeout=5).status_code == 403
        )
    assert requests.get(item, headers=with_scopes(keys_dir, "collections:read"), timeout=5).ok


def test_api2_authentication_no_expired_or_unsigned_token_passes(public, keys_dir):
    """Deeper: service_kit/tests/test_tokens.py (every forgery) and
    test_access.py (the same forgeries through the gateway)."""
    now = int(time.time())
    expired = keys.mint(keys_dir, "owasp", exp=now - 120, nbf=now - 600, iat=now - 600)
    for headers in ({}, {"Authorization": f"Bearer {expired}"}, {"Authorization": "Basic x"}):
        answer = requests.get(f"{public}{COLLECTIONS}", headers=headers, timeout=5)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_api3_object_properties_none_a_client_may_not_set_and_none_it_should_not_see(public):
    """Deeper: the services' strict schemas (unknown fields, server-assigned
    ids, `archived` read-only) and test_contract.py (exact shapes)."""
    assigned = http.post(f"{public}{COLLECTIONS}", json=BODY | {"id": 5}, timeout=5)
    extra = http.post(f"{public}{COLLECTIONS}", json=BODY | {"owner": "me"}, timeout=5)
    place = http.get(f"{public}/api/v1/locations?limit=1", timeout=5).json()[0]
    archived = http.patch(
        f"{public}/api/v1/locations/{place['id']}", json={"archived": True}, timeout=5
    )
    created = http.post(f"{public}{COLLECTIONS}", json=BODY, timeout=5).json()

    assert (assigned.status_code, extra.status_code, archived.status_code) == (422, 422, 422)
    assert set(created) == {"id", *BODY, "status"}


def test_api4_resource_consumption_every_request_has_a_size_and_a_rate(public):
    """Deeper: test_limits_and_keys.py (rate), test_gateway.py (sizes, a
    stalled service, connections per client), test_faults.py (a flood)."""
    oversized = http.post(
        f"{public}{COLLECTIONS}",
        data=json.dumps(BODY | {"location": "x" * (1024 * 1024)}),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    too_many = http.get(f"{public}{COLLECTIONS}", params={"limit": 1001}, timeout=5)

    assert oversized.status_code == 413
    assert too_many.status_code == 422


def test_api5_function_level_a_reader_cannot_write_nor_read_the_internal_feed(
    system, public, keys_dir
):
    """Deeper: test_access.py (every operation, every scope)."""
    reader = with_scopes(keys_dir, "collections:read locations:read analytics:read")
    feed = f"{system.internal_url}/internal/v1/collections/changes"

    assert (
        requests.post(f"{public}{COLLECTIONS}", json=BODY, headers=reader, timeout=5).status_code
        == 403
    )
    assert (
        requests.delete(f"{public}/api/v1/locations/1", headers=reader, timeout=5).status_code
        == 403
    )
    assert requests.get(feed, headers=reader, timeout=5).status_code == 403


def test_api8_misconfiguration_no_version_no_trace_no_open_cors(public):
    """Deeper: test_gateway.py (problem+json for every answer, TRACE,
    HTTP/0.9, headers), test_limits_and_keys.py (CORS allow-list)."""
    answer = requests.get(
        f"{public}{COLLECTIONS}/999999999", headers={"Origin": "https://evil.example"}, timeout=5
    )
    traced = requests.request("TRACE", f"{public}{COLLECTIONS}", timeout=5)

    assert answer.headers["Server"] == "nginx"  # no version
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert traced.status_code == 405
    assert "Traceback" not in answer.text


class Hostile(BaseHTTPRequestHandler):
    """A dependency that answers, but not what it should: an object, not a list."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b'{"name": "Depot North"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_api10_unsafe_consumption_another_services_answer_is_checked_not_trusted():
    """Deeper: service_kit/tests/test_outbound.py (bodies that trickle,
    stall or are not JSON) and analytics' test_extremes.py (quantities
    beyond the bounds in the feed are left out)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    directory = LocationDirectory(
        f"http://127.0.0.1:{server.server_address[1]}", 0, BoundedClient()
    )
    try:
        refused = None
        try:
            directory.require_active("Depot North")
        except DependencyUnavailable as error:
            refused = error
    finally:
        server.shutdown()

    assert refused is not None and refused.status == 503
