"""schemathesis against /openapi.json, in process: no 5xx, answers match the document."""

import marshmallow as ma
import pytest
import schemathesis

from collections_service import bounds
from collections_service.models import Unit
from collections_service.tests.conftest import KNOWN_LOCATIONS
from service_kit.web.fields import UtcDateTime
from tests.fuzzing import SETTINGS, call_and_validate, unknowable_rules


@pytest.fixture
def api_schema(app, db):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_every_operation_conforms_to_the_document(case, bearer):
    bodies = case.body if isinstance(case.body, list) else [case.body]
    for body in bodies:
        _name_a_known_location(body)
    # A generated text/csv body is just a string, rarely a CSV of collections.
    is_csv = case.media_type == "text/csv"
    out_of_bounds = any(_beyond_the_bounds(body) for body in bodies)
    excluded = unknowable_rules(case, "collection_id", lambda body: is_csv or out_of_bounds)
    call_and_validate(case, bearer, excluded)


def _beyond_the_bounds(body) -> bool:
    """A quantity over its unit's bound, or a date outside the range once in
    UTC: rules the schema states in words, not in JSON Schema."""
    if not isinstance(body, dict):
        return False
    quantity, unit, when = body.get("quantity"), body.get("unit"), body.get("collected_date")
    try:
        moment = UtcDateTime().deserialize(when)
    except ma.ValidationError:
        moment = None
    if moment is not None and bounds.date_error(moment):
        return True
    numeric = isinstance(quantity, int | float) and not isinstance(quantity, bool)
    known_unit = isinstance(unit, str) and unit in {u.value for u in Unit}
    return numeric and known_unit and bounds.quantity_error(quantity, Unit(unit)) is not None


def _name_a_known_location(body) -> None:
    """A collection's location must also be active in the locations service,
    which the schema cannot say: where the generated one is schema-valid, name
    one that exists. Invalid ones (negative cases) are left alone."""
    location = body.get("location") if isinstance(body, dict) else None
    if isinstance(location, str) and 0 < len(location) <= 200 and "\0" not in location:
        body["location"] = KNOWN_LOCATIONS[len(location) % len(KNOWN_LOCATIONS)]
