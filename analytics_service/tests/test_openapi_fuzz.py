"""schemathesis against /openapi.json, in process: no 5xx, answers match the document."""

import pytest
import schemathesis

from analytics_service.schemas import is_zone
from tests.fuzzing import SETTINGS, call_and_validate, unknowable_rules


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_every_operation_conforms_to_the_document(case, bearer):
    # `to` must come after `from`, and `tz` name a zone of the tz database,
    # which the schema cannot say.
    query = case.query or {}
    unordered = "from" in query and "to" in query
    made_up_zone = isinstance(query.get("tz"), str) and not is_zone(query["tz"])
    rules = unknowable_rules(case, "none", lambda _: unordered or made_up_zone)
    call_and_validate(case, bearer, rules)
