"""flask-smorest's Api and Blueprint, wired for problem+json and strict queries."""

import http

import flask_smorest
import marshmallow as ma
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.routing import BaseConverter, ValidationError

from service_kit.access.scopes import Scopes
from service_kit.web import documents, errors
from service_kit.web.errors import PROBLEM_JSON, ProblemSchema

MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    """Path ids: 1..2**31-1 (a signed 32-bit int) in plain ASCII digits.

    Anything else (leading zeros, other scripts' digits, out of range) does
    not match, so it is a 404.
    """

    regex = r"[1-9][0-9]{0,9}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def id_parameter_schema(_converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


ID_CONVERTER = "id"
# Response headers to name in `@blp.response(..., headers=...)`.
LINK_HEADER = documents.header_refs("Link")
LOCATION_HEADER = documents.header_refs("Location")
ITEM_HEADERS = documents.header_refs("ETag")


class StrictParser(FlaskParser):
    """webargs' parser, stricter where a contract needs it.

    - Unknown query parameters are refused: with `unknown=None` each schema's
      own `unknown` (RAISE, marshmallow's default) applies, where webargs
      would otherwise drop them.
    - A single-valued query parameter given twice is refused, not first-wins.
    - Any body Python's json cannot read (too deep, a number too long) is a
      400 like malformed JSON, never a 500.
    """

    def __init__(self):
        super().__init__(unknown=None)

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except (ValueError, RecursionError) as error:
            self._handle_invalid_json_error(error, req)

    def load_querystring(self, req, schema):
        repeated = [key for key in req.args if len(req.args.getlist(key)) > 1]
        multiple = MultiDictProxy(req.args, schema).multiple_keys
        once = {key: ["Give this parameter once."] for key in repeated if key not in multiple}
        if once:
            self.handle_error(
                ma.ValidationError(once), req, schema, error_status_code=None, error_headers=None
            )
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """A blueprint that parses requests with StrictParser, and whose
    operations need the scopes it names (none: public; access/guard.py)."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args, scopes: Scopes | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = scopes

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's `arguments`, with a schema class made into one
        instance here: given a class, webargs builds a new instance for every
        request (~0.1 ms of field copying). Loading keeps no state on the
        instance (marshmallow 4), so threads can share it."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)


class Api(flask_smorest.Api):
    """flask-smorest's Api, documenting and returning problem+json errors,
    and documenting each operation's scope (`plugins`: apispec plugins)."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app, plugins: list):
        super().__init__(app, spec_kwargs={"extra_plugins": plugins})

    def _register_error_handlers(self):
        errors.install(self._app)

    def init_app(self, app, *args, **kwargs):
        app.url_map.converters[ID_CONVERTER] = IdConverter
        super().init_app(app, *args, **kwargs)
        self.register_converter(IdConverter, id_parameter_schema)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {
                "description": errors.title(status),
                "headers": documents.component_headers(status.name),
            }
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {
            "description": "Any error, as problem+json",
            "schema": self.ERROR_SCHEMA,
            "headers": documents.component_headers("DEFAULT"),
        }
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)
