"""What the services' schemathesis tests share."""

import uuid

from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

SETTINGS = settings(
    # The same examples on every run, so CI is reproducible; raise max_examples
    # or drop this locally to explore further.
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def unknowable_rules(case, id_parameter: str, beyond_schema=lambda body: False) -> list:
    """Skip "valid data is accepted" where validity depends on more than the schema.

    A cursor and an ETag are opaque tokens the server issues, so made-up
    ones are rightly refused; a PUT body's id must equal the id in the path; `beyond_schema`
    names a service's own such rules. Every other check still applies.
    """
    made_up_cursor = "cursor" in (case.query or {})
    # An ETag too is the server's: a made-up If-Match rightly fails (412).
    made_up_etag = "If-Match" in (case.headers or {})
    body = case.body if isinstance(case.body, dict) else {}
    path_id = (case.path_parameters or {}).get(id_parameter)
    foreign_id = body.get("id") not in (None, path_id)
    if made_up_cursor or made_up_etag or foreign_id or beyond_schema(body):
        return [positive_data_acceptance]
    return []


def call_and_validate(case, token: str, excluded: list) -> None:
    """Send the case with the tester's token (every scope), and check the
    answer against the document, `ignored_auth` included: schemathesis
    sends it again without the token, and with a wrong one, and expects
    each refused."""
    # The document declares the header, so schemathesis makes one up (then
    # ours replaces it), or leaves it out on purpose (a case that must be
    # refused: then none is sent).
    sends_one = "Authorization" in (case.headers or {})
    if "Idempotency-Key" in (case.headers or {}) and not _negative(case):
        # A client picks a new key for each new request; one made-up key
        # reused for different bodies is rightly refused (422).
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"} if sends_one else {},
        additional_checks=[ignored_auth],
        excluded_checks=excluded,
    )


def _negative(case) -> bool:
    return case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
