"""The public API's description, on the public listener: one valid
OpenAPI document of every public operation, the checked-in copy kept in
step with it, and each service's own document valid too."""

import copy
import json

import pytest
import requests
from openapi_spec_validator import validate

from deploy import public_api
from tests.compatibility import compare
from tests.conftest import http

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
SERVICES = ("collections", "locations", "analytics")


@pytest.fixture(scope="module")
def document(public) -> dict:
    response = requests.get(f"{public}/api/v1/openapi.json", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_the_public_document_is_valid_openapi_with_no_internal_route(document):
    validate(document)

    assert document["servers"] == [{"url": "/", "description": "This gateway"}]
    assert {path.split("/")[3] for path in document["paths"]} == set(SERVICES)
    assert not [p for p in document["paths"] if not p.startswith("/api/v1/")]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("service", SERVICES)
def test_each_live_colours_own_document_is_valid_openapi(internal, service):
    url = f"{internal}/internal/colours/{service}/blue/openapi.json"

    validate(requests.get(url, timeout=5).json())


def test_every_operation_is_named_described_and_secured(document):
    ids = []
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        ids.append(operation["operationId"])
        assert operation["summary"] and operation["description"], where
        [requirement] = operation["security"]
        assert set(requirement) == {"bearer", "oauth2"}, where
        assert {"401", "403", "429", "503"} <= set(operation["responses"]), where
    assert len(ids) == len(set(ids)) == 17


def test_every_error_status_is_a_problem_with_its_headers(document):
    responses = document["components"]["responses"]
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")) or (status == "422" and "import" in path):
                continue
            name = response["$ref"].rpartition("/")[2]
            shared = responses[name]
            [media] = shared["content"]
            assert media == "application/problem+json", (method, path, status)
            assert "X-Request-ID" in shared["headers"]
    for name in ("TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE"):
        assert "Retry-After" in responses[name]["headers"]


def test_the_import_422_names_its_rows_and_error_count(document):
    response = document["paths"]["/api/v1/collections/import"]["post"]["responses"]["422"]
    schema = response["content"]["application/problem+json"]["schema"]["$ref"].rpartition("/")[2]

    fields = document["components"]["schemas"][schema]["properties"]

    assert {"rows", "error_count", "status", "request_id"} <= set(fields)


def test_the_headers_and_examples_are_described(document):
    collections = document["paths"]["/api/v1/collections"]
    item = document["paths"]["/api/v1/collections/{collection_id}"]
    assert set(document["components"]["headers"]) >= {
        "Link", "X-Request-ID", "Retry-After", "ETag", "Idempotent-Replayed", "Location"
    }  # fmt: skip
    assert "Link" in collections["get"]["responses"]["200"]["headers"]
    assert "ETag" in item["get"]["responses"]["200"]["headers"]
    post = collections["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    assert "If-Match" in [p["name"] for p in item["patch"]["parameters"]]
    assert {"412", "409"} <= set(item["put"]["responses"])
    for path, method, operation in operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert "example" in media or "examples" in media, (method, path)


def test_the_published_document_is_the_checked_in_one(document):
    checked_in = json.loads(public_api.CHECKED_IN.read_text())

    changes = compare(comparable(checked_in), comparable(document))

    assert not changes, (
        "The public API changed; if that is meant, run `python -m deploy openapi` and"
        f" commit docs/openapi.json (breaking changes need a new version):\n{changes.report()}"
    )
    assert comparable(document) == comparable(checked_in)


def comparable(document: dict) -> dict:
    """Without what each deployment sets itself (the identity provider's URL)."""
    document = copy.deepcopy(document)
    for flow in document["components"]["securitySchemes"]["oauth2"]["flows"].values():
        flow["tokenUrl"] = "https://identity.example/token"
    return document


@pytest.fixture(scope="module")
def checked_in() -> dict:
    return json.loads(public_api.CHECKED_IN.read_text())


def test_the_comparison_calls_removals_and_new_required_input_breaking(checked_in):
    changed = copy.deepcopy(checked_in)
    del changed["paths"]["/api/v1/analytics/zones"]
    changed["components"]["schemas"]["LocationIn"]["required"].append("zone")
    changed["paths"]["/api/v1/locations"]["get"]["responses"].pop("200")

    changes = compare(checked_in, changed)

    assert not changes.additive
    codes = {line.split()[0] for line in changes.breaking}
    assert codes == {"path.remove", "request.body.scope.remove", "response.status-code.remove"}


def test_the_comparison_calls_new_operations_inputs_and_answers_additive(checked_in):
    changed = copy.deepcopy(checked_in)
    changed["paths"]["/api/v1/analytics/places"] = checked_in["paths"]["/api/v1/analytics/zones"]
    changed["components"]["schemas"]["LocationIn"]["properties"]["note"] = {"type": "string"}
    changed["paths"]["/api/v1/locations"]["get"]["responses"]["418"] = {"description": "Tea."}

    changes = compare(checked_in, changed)

    assert not changes.breaking
    codes = {line.split()[0] for line in changes.additive}
    assert codes == {"path.add", "request.body.scope.add", "response.status-code.add"}


def test_the_public_listener_serves_the_document_without_a_token(public):
    response = http.get(f"{public}/api/v1/openapi.json", headers={"Authorization": ""})

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
