"""The analytics service's tables: a replica of collection facts, rollups
built from it in step with the change feed, the feed cursor, and cached locations.

The rollups keep mass (Kg and Tons, in kg) and volume (Liters) apart, per
waste type, so litres are turned into kilograms at query time with whatever
factors are configured then. Their grains follow the questions
(analytics_service/rollups.py): per UTC day, per UTC month, and per month
and place.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service_kit.data.columns import NAMING_CONVENTION, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Measures:
    """What every rollup row adds up."""

    collections: Mapped[int] = mapped_column(Integer)
    mass_kg: Mapped[float] = mapped_column(Float(precision=53))
    volume_l: Mapped[float] = mapped_column(Float(precision=53))


class Fact(Base):
    """One collection as analytics last saw it in the feed."""

    __tablename__ = "facts"

    collection_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    location: Mapped[str] = mapped_column(String(200))
    waste_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    collected_date: Mapped[datetime] = mapped_column(UtcDateTime)
    day: Mapped[date] = mapped_column(Date)
    mass_kg: Mapped[float] = mapped_column(Float(precision=53))
    volume_l: Mapped[float] = mapped_column(Float(precision=53))

    __table_args__ = (
        Index("ix_facts_collected_date", "collected_date"),
        Index("ix_facts_location_collected_date", "location", "collected_date"),
    )


class DailyTotal(Measures, Base):
    """Per UTC day, waste type and status: summaries and series over whole days.

    A day x place grain would have about as many rows as there are
    collections, costing as much to keep up as the facts while saving little:
    places are kept per month (PlaceTotal).
    """

    __tablename__ = "daily_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    waste_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class MonthlyTotal(Measures, Base):
    """Per UTC month (its first day), waste type and status: a summary over
    everything or whole months, and monthly series, from a few hundred rows."""

    __tablename__ = "monthly_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    waste_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class PlaceTotal(Measures, Base):
    """Per UTC month, place, waste type and status: the places and zones
    reports (and any question naming places) over everything or whole months."""

    __tablename__ = "place_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    location: Mapped[str] = mapped_column(String(200), primary_key=True)
    waste_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)


class FeedCursor(Base):
    """How far the feed has been applied; moved in the same transaction as the data.

    `monthly_position` is how far the monthly rollups are: an older release
    applying the feed beside this one (during a deploy) keeps the facts and
    the daily rollup but not them, and moves only `position`. They are read
    only while both agree, and rebuilt from the facts when they do not.
    """

    __tablename__ = "feed_cursor"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger)
    data_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime)
    monthly_position: Mapped[int | None] = mapped_column(BigInteger)


class KnownLocation(Base):
    """The locations service's places, as last fetched."""

    __tablename__ = "known_locations"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    zone: Mapped[str | None] = mapped_column(String(200))
    location_type: Mapped[str] = mapped_column(String(16))
    latitude: Mapped[float | None] = mapped_column(Float(precision=53))
    longitude: Mapped[float | None] = mapped_column(Float(precision=53))
    archived: Mapped[bool] = mapped_column(Boolean)
