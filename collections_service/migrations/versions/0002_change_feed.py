"""The change feed: a position for every write, ordered by one counter row.

Existing collections enter the feed as upserts, in id order.

Revision ID: 0002
Revises: 0001

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the feed and its counter; backfill the collections there are."""
    op.create_table(
        "collection_changes",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column(
            "waste_type",
            sa.Enum(
                "Organic",
                "Plastic",
                "Paper",
                "Metal",
                "Glass",
                "Electronic",
                name="waste_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("quantity", sa.Float(precision=53), nullable=True),
        sa.Column(
            "unit",
            sa.Enum(
                "Kg",
                "Tons",
                "Liters",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("collected_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "Pending",
                "Completed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "op IN ('upsert', 'delete')", name=op.f("ck_collection_changes_op_known")
        ),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_collection_changes")),
    )
    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_counter")),
    )
    op.execute(
        "INSERT INTO collection_changes (position, collection_id, op, location, waste_type,"
        " quantity, unit, collected_date, status, changed_at)"
        " SELECT ROW_NUMBER() OVER (ORDER BY id), id, 'upsert', location, waste_type,"
        " quantity, unit, collected_date, status, CURRENT_TIMESTAMP FROM collections"
    )
    op.execute("INSERT INTO feed_counter (id, position) SELECT 1, COUNT(*) FROM collections")


def downgrade() -> None:
    """Drop them."""
    op.drop_table("feed_counter")
    op.drop_table("collection_changes")
