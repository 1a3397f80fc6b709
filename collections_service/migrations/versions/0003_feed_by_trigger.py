"""The database writes the change feed: triggers on collections.

Before, the service wrote each transaction's changes just before its commit.
Now every INSERT, UPDATE and DELETE of collections writes its changes in the
same statement, whoever makes it (the service, a bulk COPY, an operator in
psql), and a write that is one statement needs no transaction around it.

The order rule is the same as before: a write takes the next positions with
an UPDATE of the one counter row, whose lock it holds until it commits, so a
second writer gets its positions only after the first has committed.

- PostgreSQL: one statement-level trigger per operation, reading the
  statement's rows from its transition table (a COPY of 10,000 rows claims
  its positions once, in id order).
- SQLite: one trigger per row (SQLite has no statement-level triggers);
  SQLite has one writer at a time, so positions are in commit order anyway.

While an older release of the service still runs beside this schema (a
blue-green deploy, a rollback), its writes enter the feed twice: once here,
once from its own code, with the same values. Followers apply upserts and
deletes as they come, so they end in the same state.

Revision ID: 0003
Revises: 0002

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("location", "waste_type", "quantity", "unit", "collected_date", "status")
COLUMNS = ", ".join(FIELDS)
OPERATIONS = {"insert": "upsert", "update": "upsert", "delete": "delete"}

# The function for one operation: claim as many positions as the statement
# wrote rows, then write the rows at them in id order.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION collections_feed_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
    last bigint;
BEGIN
    SELECT count(*) INTO written FROM {rows};
    IF written = 0 THEN
        RETURN NULL;
    END IF;
    UPDATE feed_counter SET position = position + written WHERE id = 1
        RETURNING position INTO last;
    INSERT INTO collection_changes (position, collection_id, op, {fields}, changed_at)
        SELECT last - written + row_number() OVER (ORDER BY id), id, '{op}', {values}, now()
        FROM {rows};
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER collections_feed_{operation} AFTER {operation} ON collections
    REFERENCING {transition} TABLE AS {rows}
    FOR EACH STATEMENT EXECUTE FUNCTION collections_feed_{operation}()
"""
# SQLite writes datetimes as text; SQLAlchemy reads this form back.
SQLITE_TRIGGER = """
CREATE TRIGGER collections_feed_{operation} AFTER {operation} ON collections
BEGIN
    UPDATE feed_counter SET position = position + 1 WHERE id = 1;
    INSERT INTO collection_changes (position, collection_id, op, {fields}, changed_at)
        SELECT position, {row}.id, '{op}', {values}, strftime('%Y-%m-%d %H:%M:%f', 'now')
        FROM feed_counter WHERE id = 1;
END
"""


def upgrade() -> None:
    """Create the triggers (and on PostgreSQL their functions)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for operation, change in OPERATIONS.items():
        deleted = change == "delete"
        if postgresql:
            rows = "old_rows" if deleted else "new_rows"
            values = _values(deleted, row="")
            op.execute(
                POSTGRESQL_FUNCTION.format(
                    operation=operation, rows=rows, op=change, fields=COLUMNS, values=values
                )
            )
            op.execute(
                POSTGRESQL_TRIGGER.format(
                    operation=operation, transition="OLD" if deleted else "NEW", rows=rows
                )
            )
        else:
            row = "OLD" if deleted else "NEW"
            values = _values(deleted, row=f"{row}.")
            op.execute(
                SQLITE_TRIGGER.format(
                    operation=operation, row=row, op=change, fields=COLUMNS, values=values
                )
            )


def _values(deleted: bool, row: str) -> str:
    """What a change stores of each field: the row's value, nothing for a delete."""
    return ", ".join("NULL" if deleted else f"{row}{name}" for name in FIELDS)


def downgrade() -> None:
    """Drop them: the service's own code wrote the feed before."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for operation in OPERATIONS:
        if postgresql:
            op.execute(f"DROP TRIGGER collections_feed_{operation} ON collections")
            op.execute(f"DROP FUNCTION collections_feed_{operation}()")
        else:
            op.execute(f"DROP TRIGGER collections_feed_{operation}")
