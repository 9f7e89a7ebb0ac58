"""customer search index for SQLite (FTS5 trigram)

Revision ID: 0005
Revises: 0003

SQLite has no trigram operator class, so substring search scanned the whole
customers table with lower() on four columns. This adds an external-content
FTS5 table over customers' rowid with the trigram tokenizer (case-insensitive,
Unicode case folding), kept in step by triggers. PostgreSQL keeps its pg_trgm
GIN indexes from 0003; there this migration does nothing.

The index is keyed on customers' implicit rowid. A later migration that
rebuilds ``customers`` on SQLite (a batch ALTER copies the table: the
triggers are dropped with the old table and rowids are renumbered) must
re-create the triggers and run ``INSERT INTO customers_fts(customers_fts)
VALUES ('rebuild')``; ``create_search_index()`` below does both.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Named *_fts (and *_fts_ai/_ad/_au, *_fts_<shadow>): the schema comparison leaves
# them out (server.migrate.include_object), as the models do not declare them.
FTS_TABLE = "customers_fts"
COLUMNS = ("name", "email", "phone", "company")


def _values(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c}" for c in COLUMNS)


def create_search_index() -> None:
    """Create the FTS table and its triggers, and index the rows already there."""
    cols = ", ".join(COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({cols}, "
        "content='customers', content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON customers BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.rowid, {_values('new')}); END"
    )
    op.execute(
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON customers BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) "
        f"VALUES ('delete', old.rowid, {_values('old')}); END"
    )
    # Only when a searched column is written: most updates (version, updated_at,
    # credit_limit, ...) leave the index alone.
    op.execute(
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF {cols} ON customers BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) "
        f"VALUES ('delete', old.rowid, {_values('old')}); "
        f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.rowid, {_values('new')}); END"
    )
    op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_search_index() -> None:
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        create_search_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        drop_search_index()
