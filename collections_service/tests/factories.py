"""Small helpers that make collections for tests."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collections_service.models import Collection, Status, Unit, WasteType

URL = "/api/v1/collections"
# Column values of a stored collection, for tests that write rows directly.
ROW = {
    "location": "A",
    "waste_type": WasteType.GLASS,
    "quantity": 1.0,
    "unit": Unit.KG,
    "collected_date": datetime(2026, 1, 1, tzinfo=UTC),
    "status": Status.PENDING,
}


def payload(**overrides) -> dict:
    """A valid create body, with some fields changed."""
    body = {
        "location": "Depot North",
        "waste_type": "Plastic",
        "quantity": 12.5,
        "unit": "Kg",
        "collected_date": "2026-03-01T08:30:00Z",
    }
    body.update(overrides)
    return body


def create(client, **overrides) -> dict:
    """Create a collection through the API and return its body."""
    response = client.post(URL, json=payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(db: Session) -> list[Collection]:
    """Every row of the table, by id (fresh from the database)."""
    db.expire_all()
    return list(db.scalars(select(Collection).order_by(Collection.id)))
