"""Small helpers that make locations for tests."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from locations_service.models import Location

URL = "/api/v1/locations"


def payload(**overrides) -> dict:
    """A valid create body, with some fields changed."""
    body = {
        "name": "Depot North",
        "address": "1 Harbour Road",
        "zone": "North",
        "location_type": "DropOff",
        "latitude": 52.3791,
        "longitude": 4.9003,
    }
    body.update(overrides)
    return body


def create(client, **overrides) -> dict:
    """Create a location through the API and return its body."""
    response = client.post(URL, json=payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(db: Session) -> list[Location]:
    """Every row of the table, by id (fresh from the database)."""
    db.expire_all()
    return list(db.scalars(select(Location).order_by(Location.id)))
