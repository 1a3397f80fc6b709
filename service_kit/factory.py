"""The app factory's common part, called by every service's create_app."""

import inspect
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import Table
from werkzeug.middleware.proxy_fix import ProxyFix

from service_kit.access import guard
from service_kit.access.settings import EMBEDDED_TOKEN_URL, AccessSettings
from service_kit.access.tokens import Verifier
from service_kit.data.db import Database
from service_kit.telemetry import logs, metrics, traces
from service_kit.web import documents, health, requests
from service_kit.web.api import Api
from service_kit.web.json_out import OrjsonProvider

OPENAPI_VERSION = "3.0.3"
MAX_BODY_BYTES = 1024 * 1024


class ServiceFlask(Flask):
    """Flask, answering OPTIONS with a 204, and asking once per function
    whether it needs an async wrapper.

    Flask asks on every call of every view, hook and error handler (an
    `inspect` check, about a microsecond each, nine or so a request). The
    answer is kept per function, never per bound method: a class-based view
    is a new instance on every request, and keeping its methods would keep
    every instance.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._is_async: dict = {}

    def ensure_sync(self, func):
        function = getattr(func, "__func__", func)
        is_async = self._is_async.get(function)
        if is_async is None:
            is_async = self._is_async[function] = inspect.iscoroutinefunction(function)
        return self.async_to_sync(func) if is_async else func

    def make_default_options_response(self):
        """OPTIONS: 204 with `Allow` and no body (Flask's is an empty
        text/html 200)."""
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


@dataclass(frozen=True)
class ServiceSpec:
    """What the common factory needs to know about a service."""

    import_name: str
    title: str
    version: str
    migrations_dir: Path
    # Where its POSTs keep their Idempotency-Keys, if it takes them.
    idempotency_keys: Table | None = None


def create_base_app(spec: ServiceSpec, config) -> tuple[Flask, Api]:
    """Build a Flask app with logging, request ids, metrics, traces, access, errors,
    database and health, from a service's config (its `database_url`,
    `log_level`, `access` and `telemetry`)."""
    access: AccessSettings = config.access
    logs.configure(config.log_level, spec.title)
    app = ServiceFlask(spec.import_name)
    app.config.update(
        API_TITLE=spec.title,
        API_VERSION=spec.version,
        OPENAPI_VERSION=OPENAPI_VERSION,
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    app.json = OrjsonProvider(app)
    app.extensions["idempotency"] = spec.idempotency_keys
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)
    requests.install(app)
    metrics.install(app, spec.title, config.telemetry)
    traces.install(app, spec.title, config.telemetry)
    guard.install(app, Verifier(access))
    requests.install_content_rules(app)
    Database(app, config.database_url)
    security = guard.SecurityPlugin(app, access.token_url or EMBEDDED_TOKEN_URL)
    api = Api(app, plugins=[security, documents.DocumentPlugin(app)])
    health_routes = health.make_blueprint(spec.migrations_dir)
    api.register_blueprint(health_routes)
    # Each scrape of /metrics says whether the service is ready, too.
    app.extensions["readiness_problem"] = health_routes.readiness_problem
    return app, api
