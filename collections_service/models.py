"""The collections service's tables, as SQLAlchemy 2 typed models."""

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service_kit.data import idempotency
from service_kit.data.columns import NAMING_CONVENTION, UtcDateTime, enum_column


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


class Collection(Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    location: Mapped[str] = mapped_column(String(200))
    waste_type: Mapped[WasteType] = mapped_column(enum_column(WasteType, "waste_type"))
    quantity: Mapped[float] = mapped_column(Float(precision=53))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit, "unit"))
    collected_date: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[Status] = mapped_column(enum_column(Status, "status"))

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # Paging orders: (collected_date, id) and id (the primary key).
        Index("ix_collections_collected_date_id", "collected_date", "id"),
        # Filters, each able to serve its filter plus the date order.
        Index("ix_collections_location_collected_date", "location", "collected_date"),
        Index("ix_collections_waste_type_collected_date", "waste_type", "collected_date"),
        Index("ix_collections_status_collected_date", "status", "collected_date"),
        # Never reuse a deleted id on SQLite (PostgreSQL's serial never does).
        {"sqlite_autoincrement": True},
    )


class FeedCounter(Base):
    """The one row whose lock orders the change feed (see feed.py)."""

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger)


class CollectionChange(Base):
    """One insert, update or delete of a collection, at its feed position.

    An upsert carries the collection as it was written; a delete only its id.
    """

    __tablename__ = "collection_changes"

    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    collection_id: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(8))
    location: Mapped[str | None] = mapped_column(String(200))
    waste_type: Mapped[WasteType | None] = mapped_column(enum_column(WasteType, "waste_type"))
    quantity: Mapped[float | None] = mapped_column(Float(precision=53))
    unit: Mapped[Unit | None] = mapped_column(enum_column(Unit, "unit"))
    collected_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[Status | None] = mapped_column(enum_column(Status, "status"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (CheckConstraint("op IN ('upsert', 'delete')", name="op_known"),)


# Each client's Idempotency-Keys and the answers they got (service_kit/web/idempotency.py).
IDEMPOTENCY_KEYS = idempotency.table(Base.metadata)
