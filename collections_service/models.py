"""The collections service's tables, as SQLAlchemy 2 typed models."""

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    Index,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WasteType(enum.StrEnum):
    ORGANIC = "Organic"
    PLASTIC = "Plastic"
    PAPER = "Paper"
    METAL = "Metal"
    GLASS = "Glass"
    ELECTRONIC = "Electronic"


class Unit(enum.StrEnum):
    KG = "Kg"
    TONS = "Tons"
    LITERS = "Liters"


class Status(enum.StrEnum):
    PENDING = "Pending"
    COMPLETED = "Completed"


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = value.astimezone(UTC)
        # SQLite stores text without an offset: keep it naive, always UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its contract spelling, checked by the database."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class Collection(Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    location: Mapped[str] = mapped_column(String(200))
    waste_type: Mapped[WasteType] = mapped_column(_enum(WasteType, "waste_type"))
    quantity: Mapped[float] = mapped_column(Float(precision=53))
    unit: Mapped[Unit] = mapped_column(_enum(Unit, "unit"))
    collected_date: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[Status] = mapped_column(_enum(Status, "status"))

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # Paging orders: (collected_date, id) and id (the primary key).
        Index("ix_collections_collected_date_id", "collected_date", "id"),
        # Filters, each able to serve its filter plus the date order.
        Index("ix_collections_location_collected_date", "location", "collected_date"),
        Index("ix_collections_waste_type_collected_date", "waste_type", "collected_date"),
        Index("ix_collections_status_collected_date", "status", "collected_date"),
    )
