"""Monthly rollups (by month, and by month and place), and how far they are.

Expand only: the tables start empty and `monthly_position` NULL, which says
they are not in step; the first release that keeps them builds them from the
facts (analytics_service/rollups.py), and until then answers from the daily
rollup and the facts. A release before this one goes on as it did.

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


def _measures() -> list[sa.Column]:
    return [
        sa.Column("collections", sa.Integer(), nullable=False),
        sa.Column("mass_kg", sa.Float(precision=53), nullable=False),
        sa.Column("volume_l", sa.Float(precision=53), nullable=False),
    ]


def upgrade() -> None:
    """Create the two tables and the cursor's column."""
    op.create_table(
        "monthly_totals",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("waste_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint("month", "waste_type", "status", name=op.f("pk_monthly_totals")),
    )
    op.create_table(
        "place_totals",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("waste_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint(
            "month", "location", "waste_type", "status", name=op.f("pk_place_totals")
        ),
    )
    op.add_column("feed_cursor", sa.Column("monthly_position", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("feed_cursor") as cursor:  # SQLite rebuilds the table
        cursor.drop_column("monthly_position")
    op.drop_table("place_totals")
    op.drop_table("monthly_totals")
