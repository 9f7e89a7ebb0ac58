"""Alembic migrations: the only way the server schema is made, on SQLite and PostgreSQL."""
