"""Liveness and readiness, the same in every service."""

from pathlib import Path

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy.exc import SQLAlchemyError

from service_kit.data import db, migrate
from service_kit.data.db import RETRY_AFTER_SECONDS
from service_kit.web.api import Blueprint
from service_kit.web.errors import DomainError


class HealthOut(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


class NotReady(DomainError):
    status = 503
    title = "Service Unavailable"

    def __init__(self, detail: str):
        super().__init__(detail, headers={"Retry-After": RETRY_AFTER_SECONDS})


def schema_fits(found: set[str], expected: set[str], known: set[str]) -> bool:
    """At this code's head, or ahead of it.

    A revision this code does not know was written by a newer colour's
    migrations; those only expand the schema while an older colour may still
    run (deploy/README.md), so the older code keeps working on it. Behind the
    head (or not migrated at all), the code would meet tables it lacks.
    """
    return found == expected or migrate.ahead(found, known)


def make_blueprint(migrations_dir: Path) -> Blueprint:
    """Routes /health/live and /health/ready for a service with these migrations."""
    blueprint = Blueprint("health", __name__, url_prefix="/health")
    expected = migrate.heads(migrations_dir)
    known = migrate.revisions(migrations_dir)

    @blueprint.route("/live")
    class Live(MethodView):
        @blueprint.response(200, HealthOut)
        def get(self):
            """Answer as long as the process runs.

            For a supervisor's liveness probe: no dependency is asked.
            """
            return {"status": "ok"}

    def problem() -> str | None:
        """Why the service cannot serve, or None when it can."""
        try:
            with db.engine().connect() as connection:
                found = migrate.current(connection)
        except SQLAlchemyError:
            return "The database is unreachable."
        if not schema_fits(found, expected, known):
            return f"The schema is at {sorted(found)}, expected {sorted(expected)}."
        return None

    @blueprint.route("/ready")
    class Ready(MethodView):
        @blueprint.response(200, HealthOut)
        def get(self):
            """Answer 200 when the database is reachable and its schema fits this code.

            A schema ahead of the code (a newer colour's expand migrations)
            fits; one behind it, or no database, is a 503.
            """
            if (found := problem()) is not None:
                raise NotReady(found)
            return {"status": "ok"}

    blueprint.readiness_problem = problem
    return blueprint
