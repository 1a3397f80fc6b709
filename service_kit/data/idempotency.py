"""The table a service keeps its Idempotency-Keys in (service_kit/web/idempotency.py)."""

from sqlalchemy import Column, Index, Integer, LargeBinary, MetaData, String, Table

from service_kit.data.columns import UtcDateTime

TABLE_NAME = "idempotency_keys"


def table(metadata: MetaData) -> Table:
    """The keys, per client: the request's fingerprint and, once it
    succeeded, its answer (status, body, content type, Location)."""
    return Table(
        TABLE_NAME,
        metadata,
        Column("subject", String(200), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status", Integer),
        Column("body", LargeBinary),
        Column("content_type", String(100)),
        Column("location", String(500)),
        Column("created_at", UtcDateTime, nullable=False),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )
