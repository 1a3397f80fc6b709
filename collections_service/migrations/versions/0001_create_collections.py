"""Create the collections table and the indexes its filters and orders use.

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
    """Create the table and its indexes."""
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
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
            nullable=False,
        ),
        sa.Column("quantity", sa.Float(precision=53), nullable=False),
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
            nullable=False,
        ),
        sa.Column("collected_date", sa.DateTime(timezone=True), nullable=False),
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
            nullable=False,
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_collections_quantity_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_collections_collected_date_id", "collections", ["collected_date", "id"], unique=False
    )
    op.create_index(
        "ix_collections_location_collected_date",
        "collections",
        ["location", "collected_date"],
        unique=False,
    )
    op.create_index(
        "ix_collections_status_collected_date",
        "collections",
        ["status", "collected_date"],
        unique=False,
    )
    op.create_index(
        "ix_collections_waste_type_collected_date",
        "collections",
        ["waste_type", "collected_date"],
        unique=False,
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_collections_waste_type_collected_date", table_name="collections")
    op.drop_index("ix_collections_status_collected_date", table_name="collections")
    op.drop_index("ix_collections_location_collected_date", table_name="collections")
    op.drop_index("ix_collections_collected_date_id", table_name="collections")
    op.drop_table("collections")
