"""What every service does the same way: migrations, health, its OpenAPI document."""

import gc
import importlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask.views import MethodView
from sqlalchemy import inspect, text

from collections_service.schemas import CollectionOut
from conftest import access_env, migrated_database
from deploy.platform import SERVICES
from locations_service.models import Location
from service_kit import config as settings
from service_kit.data import migrate
from service_kit.data.db import make_engine
from service_kit.web.fields import writer
from service_kit.web.json_out import OrjsonProvider


@dataclass
class ServiceModules:
    name: str
    app: object
    config: object
    models: object


@pytest.fixture(params=[service.package for service in SERVICES])
def service(request) -> ServiceModules:
    package = request.param
    return ServiceModules(
        name=package.removesuffix("_service"),
        app=importlib.import_module(f"{package}.app"),
        config=importlib.import_module(f"{package}.config"),
        models=importlib.import_module(f"{package}.models"),
    )


def build(service: ServiceModules, url: str, keys_dir):
    access = settings.access(access_env(keys_dir))
    config = service.config.Config(database_url=url, log_level="WARNING", access=access)
    return service.app.create_app(config)


def test_migrations_build_exactly_the_models(service, make_database):
    url = migrated_database(make_database, f"{service.name}_exact", service.app.MIGRATIONS_DIR)
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, service.models.Base.metadata)
    engine.dispose()

    assert differences == []


def test_migrations_go_down_to_nothing_and_back(service, make_database):
    url = migrated_database(make_database, f"{service.name}_down", service.app.MIGRATIONS_DIR)
    engine = make_engine(url)
    tables = set(service.models.Base.metadata.tables)

    migrate.downgrade(service.app.MIGRATIONS_DIR, url, "base")
    assert not tables & set(inspect(engine).get_table_names())
    migrate.upgrade(service.app.MIGRATIONS_DIR, url)
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_ready_only_at_the_migration_head(service, keys_dir, make_database):
    url = make_database(f"{service.name}_ready")
    client = build(service, url, keys_dir).test_client()

    behind = client.get("/health/ready")
    migrate.upgrade(service.app.MIGRATIONS_DIR, url)
    ready = client.get("/health/ready")

    assert behind.status_code == 503
    assert behind.content_type == "application/problem+json"
    assert behind.headers["Retry-After"]
    assert (ready.status_code, ready.get_json()) == (200, {"status": "ok"})
    assert client.get("/health/live").status_code == 200


def test_a_class_based_view_is_gone_after_its_request(service, keys_dir, make_database):
    """A class-based view is a new instance per request: nothing may keep one
    (a per-request cache did, and a worker grew by every request it served)."""
    client = build(service, make_database(f"{service.name}_views"), keys_dir).test_client()

    for _ in range(20):
        assert client.get("/health/live").status_code == 200
    gc.collect()

    assert [view for view in gc.get_objects() if isinstance(view, MethodView)] == []


def test_ready_on_a_schema_a_newer_colour_has_expanded(service, keys_dir, make_database):
    url = migrated_database(make_database, f"{service.name}_ahead", service.app.MIGRATIONS_DIR)
    client = build(service, url, keys_dir).test_client()
    engine = make_engine(url)
    with engine.begin() as connection:
        # What a newer release's expand migration leaves: a revision this code lacks.
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0001'"))
    engine.dispose()

    assert client.get("/health/ready").status_code == 200


def test_the_openapi_document_is_served_and_strict(service, keys_dir, make_database):
    client = build(service, make_database(f"{service.name}_doc"), keys_dir).test_client()

    document = client.get("/openapi.json").get_json()

    assert document["openapi"].startswith("3.")
    assert "/health/ready" in document["paths"]
    inputs = [
        schema
        for name, schema in document["components"]["schemas"].items()
        if name.endswith(("In", "Replace"))
    ]
    assert all(schema["additionalProperties"] is False for schema in inputs)
    error = document["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(error) == ["application/problem+json"]


WRITTEN = [
    (
        "collections_service.schemas",
        "CollectionOut",
        {
            "id": 7,
            "location": "Depot North",
            "waste_type": "Glass",
            "quantity": 12.5,
            "unit": "Kg",
            "collected_date": datetime(2026, 3, 1, 8, 30, 0, 120000, tzinfo=UTC),
            "status": "Completed",
        },
    ),
    (
        "collections_service.schemas",
        "CollectionOut",
        {
            "id": 8,
            "location": "Dépôt Süd",
            "waste_type": "Organic",
            "quantity": 1e16,
            "unit": "Liters",
            "collected_date": datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
            "status": "Pending",
        },
    ),
    (
        "locations_service.schemas",
        "LocationOut",
        {
            "id": 3,
            "name": "Depot North",
            "address": None,
            "zone": "North",
            "location_type": "DropOff",
            "latitude": 52.3791,
            "longitude": None,
            "archived": False,
        },
    ),
]


@pytest.mark.parametrize(("module", "schema", "values"), WRITTEN, ids=lambda v: str(v)[:20])
def test_the_fast_writer_writes_what_the_schema_dumps(module, schema, values):
    schemas = importlib.import_module(module)
    out = getattr(schemas, schema)()
    table = getattr(schemas, schema.removesuffix("Out")).__table__
    enums = {name: field.enum for name, field in out.fields.items() if hasattr(field, "enum")}
    stored = {k: enums[k](v) if k in enums else v for k, v in values.items()}
    dumped = out.dump(SimpleNamespace(**stored))

    written = OrjsonProvider(Flask(__name__)).dumps(writer(out, table)(tuple(stored.values())))

    assert json.loads(written) == dumped
    assert list(json.loads(written)) == list(dumped)


def test_the_fast_writer_refuses_a_table_whose_columns_differ_from_the_schema():
    with pytest.raises(TypeError, match="columns of locations"):
        writer(CollectionOut(), Location.__table__)
