"""Who may call: a bearer token on every operation; the description public."""

import pytest
import requests

from tests.contract.test_collections import assert_problem

OPERATIONS = [
    ("GET", "/api/v1/collections"),
    ("POST", "/api/v1/collections"),
    ("POST", "/api/v1/collections/import"),
    ("GET", "/api/v1/collections/1"),
    ("DELETE", "/api/v1/collections/1"),
    ("GET", "/api/v1/locations"),
    ("PATCH", "/api/v1/locations/1"),
    ("GET", "/api/v1/analytics/summary"),
    ("GET", "/api/v1/analytics/zones"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_without_a_valid_bearer_token_every_operation_is_a_401(base, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = requests.request(method, f"{base}{path}", json={}, headers=headers, timeout=5)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_api_description_is_public(base):
    response = requests.get(f"{base}/api/v1/openapi.json", timeout=5)

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
