"""The database: engines and sessions per request, the driver-cursor fast path,
bulk writes, column types, migrations, PostgreSQL admin."""
