"""The locations service's tables, as SQLAlchemy 2 typed models."""

import enum

from sqlalchemy import Boolean, CheckConstraint, Float, Index, MetaData, String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service_kit.data import idempotency
from service_kit.data.columns import NAMING_CONVENTION, enum_column


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LocationType(enum.StrEnum):
    RESIDENTIAL = "Residential"
    COMMERCIAL = "Commercial"
    INDUSTRIAL = "Industrial"
    PUBLIC = "Public"
    DROP_OFF = "DropOff"


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str | None] = mapped_column(String(500))
    zone: Mapped[str | None] = mapped_column(String(200))
    location_type: Mapped[LocationType] = mapped_column(enum_column(LocationType, "location_type"))
    latitude: Mapped[float | None] = mapped_column(Float(precision=53))
    longitude: Mapped[float | None] = mapped_column(Float(precision=53))
    archived: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)

    __table_args__ = (
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_paired"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        # The default listing (not archived) by id, and the zone and type filters.
        Index("ix_locations_archived_id", "archived", "id"),
        Index("ix_locations_zone", "zone"),
        Index("ix_locations_location_type", "location_type"),
        # Never reuse an id on SQLite (PostgreSQL's serial never does).
        {"sqlite_autoincrement": True},
    )


# Each client's Idempotency-Keys and the answers they got (service_kit/web/idempotency.py).
IDEMPOTENCY_KEYS = idempotency.table(Base.metadata)
