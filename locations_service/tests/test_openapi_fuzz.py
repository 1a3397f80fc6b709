"""schemathesis against /openapi.json, in process: no 5xx, answers match the document."""

import pytest
import schemathesis

from tests.fuzzing import SETTINGS, call_and_validate, unknowable_rules


@pytest.fixture
def api_schema(app, db):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_every_operation_conforms_to_the_document(case, bearer):
    call_and_validate(case, bearer, unknowable_rules(case, "location_id", _stateful))


def _stateful(body: dict) -> bool:
    """Rules JSON Schema 3.0 cannot state: coordinates come in pairs (also with
    what is stored, on PATCH), and `archived` must match the stored value."""
    one_coordinate = ("latitude" in body) != ("longitude" in body)
    unpaired = (body.get("latitude") is None) != (body.get("longitude") is None)
    return one_coordinate or unpaired or "archived" in body
