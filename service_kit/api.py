"""flask-smorest's Api and Blueprint, wired for problem+json and strict queries."""

import http

import flask_smorest
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from service_kit import errors
from service_kit.errors import PROBLEM_JSON, ProblemSchema

# Path ids are 1..2**31-1 (a signed 32-bit int); anything else is a 404.
ID_CONVERTER = f"int(min=1, max={2**31 - 1})"
LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 `rel="next"` link when more pages follow.',
        "schema": {"type": "string"},
    }
}
LOCATION_HEADER = {
    "Location": {"description": "URL of the new resource.", "schema": {"type": "string"}}
}


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose query schemas reject unknown parameters too.

    webargs excludes unknown query parameters by default; with `unknown=None`
    each schema's own `unknown` (RAISE, marshmallow's default) applies.
    """

    ARGUMENTS_PARSER = FlaskParser(unknown=None)


class Api(flask_smorest.Api):
    """flask-smorest's Api, documenting and returning problem+json errors."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        errors.install(self._app)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any error, as problem+json", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)
