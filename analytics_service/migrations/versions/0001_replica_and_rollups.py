"""The replica of collection facts, its daily rollups, the feed cursor and the
cached locations.

Revision ID: 0001
Revises:

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables; the cursor starts before the first change."""
    op.create_table(
        "daily_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("waste_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("collections", sa.Integer(), nullable=False),
        sa.Column("mass_kg", sa.Float(precision=53), nullable=False),
        sa.Column("volume_l", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("day", "waste_type", "status", name=op.f("pk_daily_totals")),
    )
    op.create_table(
        "facts",
        sa.Column("collection_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("waste_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("collected_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mass_kg", sa.Float(precision=53), nullable=False),
        sa.Column("volume_l", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", name=op.f("pk_facts")),
    )
    op.create_index("ix_facts_collected_date", "facts", ["collected_date"], unique=False)
    op.create_index(
        "ix_facts_location_collected_date", "facts", ["location", "collected_date"], unique=False
    )
    op.create_table(
        "feed_cursor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_cursor")),
    )
    op.execute("INSERT INTO feed_cursor (id, position) VALUES (1, 0)")
    op.create_table(
        "known_locations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.String(length=200), nullable=True),
        sa.Column("location_type", sa.String(length=16), nullable=False),
        sa.Column("latitude", sa.Float(precision=53), nullable=True),
        sa.Column("longitude", sa.Float(precision=53), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_known_locations")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("known_locations")
    op.drop_table("feed_cursor")
    op.drop_index("ix_facts_location_collected_date", table_name="facts")
    op.drop_index("ix_facts_collected_date", table_name="facts")
    op.drop_table("facts")
    op.drop_table("daily_totals")
