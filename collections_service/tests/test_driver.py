"""A statement run on the driver's cursor reads the same values as SQLAlchemy's
own execute, on the database this run uses (PostgreSQL or SQLite)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select

from collections_service.app import MIGRATIONS_DIR
from collections_service.models import Collection
from conftest import migrated_database
from service_kit.data import columns
from service_kit.data.db import make_engine
from service_kit.data.driver import DriverStatement

TABLE = Collection.__table__
ROWS = [
    {
        "location": "Depot North",
        "waste_type": "Glass",
        "quantity": 0.1 + 0.2,  # a float whose every digit must survive
        "unit": "Liters",
        "collected_date": datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC),
        "status": "Completed",
    },
    {
        "location": "ünïcode ✓",
        "waste_type": "Plastic",
        "quantity": 1e15,
        "unit": "Tons",
        "collected_date": datetime(1970, 1, 1, tzinfo=UTC),
        "status": "Pending",
    },
]


@pytest.fixture(scope="module")
def connection(make_database):
    engine = make_engine(migrated_database(make_database, "driver", MIGRATIONS_DIR))
    with engine.connect() as connection:
        connection.execute(insert(TABLE), ROWS)
        connection.commit()
        yield connection
    engine.dispose()


def test_a_row_read_on_the_driver_is_what_sqlalchemy_reads(connection):
    statement = select(*columns.as_stored(TABLE)).where(TABLE.c.id == bindparam("id"))
    on_driver = DriverStatement(statement)
    ids = connection.execute(select(TABLE.c.id).order_by(TABLE.c.id)).scalars().all()

    for row_id in ids:
        expected = tuple(connection.execute(statement, {"id": row_id}).one())
        got = on_driver.one_or_none(connection, {"id": row_id})

        assert got == expected
        assert [type(value) for value in got] == [type(value) for value in expected]
        assert got[5].tzinfo is not None  # collected_date stays aware


def test_no_row_is_none(connection):
    statement = select(TABLE.c.id).where(TABLE.c.id == bindparam("id"))

    assert DriverStatement(statement).one_or_none(connection, {"id": -1}) is None
