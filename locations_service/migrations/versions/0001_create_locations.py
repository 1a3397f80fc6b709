"""Create the locations table, its checks and the indexes its listing uses.

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
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("zone", sa.String(length=200), nullable=True),
        sa.Column(
            "location_type",
            sa.Enum(
                "Residential",
                "Commercial",
                "Industrial",
                "Public",
                "DropOff",
                name="location_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("latitude", sa.Float(precision=53), nullable=True),
        sa.Column("longitude", sa.Float(precision=53), nullable=True),
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_locations_coordinates_paired")
        ),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_locations_latitude_range")),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_locations_longitude_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_locations_name")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_locations_archived_id", "locations", ["archived", "id"], unique=False)
    op.create_index("ix_locations_location_type", "locations", ["location_type"], unique=False)
    op.create_index("ix_locations_zone", "locations", ["zone"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_locations_zone", table_name="locations")
    op.drop_index("ix_locations_location_type", table_name="locations")
    op.drop_index("ix_locations_archived_id", table_name="locations")
    op.drop_table("locations")
