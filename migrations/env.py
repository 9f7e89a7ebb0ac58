"""Alembic environment: runs on the connection ``server.migrate`` hands over, or on a URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from server.migrate import include_object
from server.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name
        == "sqlite",  # SQLite ALTERs go through batch copies
        compare_type=True,
        include_object=include_object,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from server.config import Settings

        url = Settings().resolved_database_url
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use crm-server migrate")
run_migrations_online()
