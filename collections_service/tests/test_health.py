"""Health routes and the OpenAPI document."""

from sqlalchemy import text

from collections_service.app import MIGRATIONS_DIR
from collections_service.tests.test_errors import UNREACHABLE_DATABASE, assert_problem
from service_kit.data import migrate


def test_live_answers_ok(client):
    response = client.get("/health/live")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_ready_when_the_database_is_at_the_migration_head(client):
    response = client.get("/health/ready")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_not_ready_when_the_database_is_unreachable(app_with):
    app = app_with(database_url=UNREACHABLE_DATABASE)

    assert_problem(app.test_client().get("/health/ready"), 503)
    assert app.test_client().get("/health/live").status_code == 200


def test_not_ready_on_an_earlier_revision_of_its_own_schema(app, database_url):
    (head_revision,) = migrate.heads(MIGRATIONS_DIR)
    head = {"head": head_revision}
    earlier = {"earlier": (migrate.revisions(MIGRATIONS_DIR) - {head_revision}).pop()}
    engine = app.extensions["db"].engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :earlier"), earlier)
    try:
        assert_problem(app.test_client().get("/health/ready"), 503)
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), head)


def test_openapi_document_describes_the_six_routes(client):
    document = client.get("/openapi.json").get_json()

    assert document["openapi"].startswith("3.")
    collection = document["paths"]["/api/v1/collections/{collection_id}"]
    assert set(document["paths"]["/api/v1/collections"]) >= {"get", "post"}
    assert set(collection) >= {"get", "put", "patch", "delete"}
    schemas = document["components"]["schemas"]
    assert schemas["CollectionIn"]["additionalProperties"] is False
    assert schemas["CollectionOut"]["properties"]["waste_type"]["enum"] == [
        "Organic",
        "Plastic",
        "Paper",
        "Metal",
        "Glass",
        "Electronic",
    ]
