"""Schema upgrades through Alembic, and the checks ``serve`` makes before it starts."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine

import migrations

# Any constant works; it only has to be the same in every server process.
_PG_LOCK_KEY = 0x5C4_0C8
# An FTS5 table named *_fts and the shadow tables SQLite keeps for it.
_FTS_TABLE = re.compile(r".+_fts(_(data|idx|docsize|config|content))?")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revision(revision: str) -> bool:
    """Whether this version's migrations know ``revision`` (a newer server's do not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database; on PostgreSQL several processes starting at once take turns."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the database to ``revision`` (tests of a migration's way back)."""
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run ``step`` on one connection, with the engine's rules for changing a schema.

    SQLite changes most of a table by copying it (Alembic's batch mode): the old
    table is dropped, which its foreign keys refuse while other rows point at it.
    So, as SQLite's own procedure for schema changes says, foreign keys are off
    while the migration runs (outside the transaction, where the pragma works) and
    ``foreign_key_check`` must find nothing broken before the commit.
    """
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
        raw: Any = conn.connection.dbapi_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            cfg.attributes["connection"] = conn
            step(cfg, revision)
            if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                conn.rollback()
                raise RuntimeError(f"the migration would break foreign keys: {broken[:5]}")
            conn.commit()
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()


def include_object(
    obj: object,  # noqa: ARG001 - Alembic's hook signature
    name: str | None,
    type_: str,
    reflected: bool,  # noqa: ARG001
    compare_to: object,  # noqa: ARG001
) -> bool:
    """Schema comparison filter: leave out the search indexes the models do not declare.

    Migrations create ``*_trgm`` GIN indexes on PostgreSQL only (SQLite has no
    trigram operator class), and on SQLite an FTS5 table ``*_fts`` instead, which
    SQLite backs with shadow tables ``*_fts_data``, ``*_fts_idx`` and so on.
    """
    if name is None:
        return True
    if type_ == "index":
        return not name.endswith("_trgm")
    if type_ == "table":
        return _FTS_TABLE.fullmatch(name) is None
    return True
