"""Every error is problem+json with `status` and `request_id`; ids travel with requests."""

import logging

import pytest

from collections_service.tests.factories import URL, payload

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=1"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/nothing"), 404)


def test_trailing_slash_is_not_a_redirect(client):
    assert_problem(client.get(f"{URL}/"), 404)


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.delete(URL)

    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_malformed_json_is_a_400_problem(client, db):
    response = client.post(URL, data='{"location": ', content_type="application/json")

    body = assert_problem(response, 400)
    assert body["detail"] == "Invalid JSON body."


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("location=A", "application/x-www-form-urlencoded"), ("{}", "text/plain"), ("{}", None)],
)
def test_a_body_that_is_not_json_is_a_415_problem(client, db, data, content_type):
    for method in ("post", "put", "patch"):
        path = URL if method == "post" else f"{URL}/1"
        response = getattr(client, method)(path, data=data, content_type=content_type)

        assert_problem(response, 415)


def test_validation_is_a_422_problem_with_errors_per_field(client, db):
    response = client.post(URL, json=payload(quantity=0, unit="kg"))

    body = assert_problem(response, 422)
    assert body["title"] == "Unprocessable Content"
    assert set(body["errors"]) == {"quantity", "unit"}
    assert "quantity" in body["detail"]


def test_a_plain_request_id_from_the_client_is_kept_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="access"):
        response = client.get(URL, headers={"X-Request-ID": "crew-7.run:42"})

    assert response.headers["X-Request-ID"] == "crew-7.run:42"
    [line] = [r for r in caplog.records if r.name == "access"]
    assert (line.request_id, line.status, line.path) == ("crew-7.run:42", 200, URL)


@pytest.mark.parametrize("given", ["", "x" * 129, "has space", 'quote"', "é"])
def test_an_unusable_request_id_is_replaced(client, given):
    response = client.get(URL, headers={"X-Request-ID": given})

    assert response.headers["X-Request-ID"] != given
    assert len(response.headers["X-Request-ID"]) == 32


def test_a_request_id_is_made_when_none_is_sent(client):
    first, second = client.get(URL), client.get(URL)

    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_an_unreachable_database_is_a_503_problem_with_retry_after_and_no_trace(app_with, caplog):
    # A real fault: nothing listens on port 1, so every connection is refused.
    app = app_with(database_url=UNREACHABLE_DATABASE)

    with caplog.at_level(logging.ERROR):
        response = app.test_client().post(URL, json=payload())

    body = assert_problem(response, 503)
    assert response.headers["Retry-After"]
    assert "psycopg2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["detail"].startswith("The database is unavailable")


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"quantity": ' + "9" * 5000 + "}", '{"location": "\\ud800"'],
)
def test_a_body_python_cannot_read_is_a_400_not_a_500(client, db, text):
    response = client.post(URL, data=text, content_type="application/json")

    assert_problem(response, 400)


def test_errors_always_map_fields_to_lists_of_text(client, db):
    response = client.get(f"{URL}?location=A&location=&waste_type=Glass&waste_type=x")

    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"location", "waste_type"}
    for texts in body["errors"].values():
        assert texts and all(isinstance(text, str) for text in texts)
    assert body["errors"]["location"][0].startswith("item 1:")


def test_a_body_that_is_not_an_object_has_no_internal_keys_in_errors(client, db):
    body = assert_problem(client.post(URL, json=[1, 2]), 422)

    assert "_schema" not in body.get("errors", {})
    assert body["detail"]


@pytest.mark.parametrize("path", ["/1", "/import", ""])
def test_asking_a_route_for_a_type_it_cannot_answer_is_a_406(client, db, path):
    method = client.post if path == "/import" else client.get
    accept = "application/xml" if path == "" else "text/csv"

    response = method(f"{URL}{path}", json=[payload()], headers={"Accept": accept})

    body = assert_problem(response, 406)
    assert "application/json" in body["detail"]


def test_a_route_that_answers_csv_too_serves_it_when_asked(client, db):
    response = client.get(URL, headers={"Accept": "text/csv;q=0.9, application/json;q=0.1"})

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
