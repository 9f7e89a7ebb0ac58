"""emails in one normal form (NFKC + case folding); users.email_key for look-alikes

Revision ID: 0007
Revises: 0006

Users' and customers' emails are rewritten to ``common.validation.normalize_email``'s
normal form, and every user gets ``email_key`` (``server.users.lookalike``) under a
unique index. Rows that changed get a new sync version and a change-log entry, so
replicas receive the new spelling.

A row whose normal form another row already holds (or, for users, whose
look-alike key an older user already has) is left exactly as it was, a user's
``email_key`` staying NULL, and named in a warning: the migration never merges,
deletes or deactivates anything. A user left with a spelling that is not the
normal form cannot sign in until an administrator gives the account another
address (sign-in compares normal forms); one left without a key keeps signing
in, and is the administrator's to review. A customer keeps its address until
someone edits it, when the usual 409 names the twin.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from common.validation import normalize_email
from server.users.lookalike import lookalike_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("crm.migrate")

users = sa.table(
    "users",
    sa.column("id", sa.String),
    sa.column("email", sa.String),
    sa.column("email_key", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.BigInteger),
)
customers = sa.table(
    "customers",
    sa.column("id", sa.String),
    sa.column("email", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.BigInteger),
)
sync_state = sa.table("sync_state", sa.column("id"), sa.column("version", sa.BigInteger))
change_log = sa.table(
    "change_log",
    sa.column("version", sa.BigInteger),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("op", sa.String),
    sa.column("changed_at", sa.DateTime(timezone=True)),
)


def _normal(email: str) -> str | None:
    try:
        return normalize_email(email)
    except ValueError:
        return None


class _Changes:
    """Rows rewritten in this migration: one new sync version for all of them."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.version: int | None = None

    def stamp(self, table: sa.TableClause, entity: str, row_id: str, values: dict[str, object]) -> None:
        if self.version is None:
            self.version = int(
                self.conn.execute(
                    sa.update(sync_state)
                    .where(sync_state.c.id == 1)
                    .values(version=sync_state.c.version + 1)
                    .returning(sync_state.c.version)
                ).scalar_one()
            )
        self.conn.execute(
            sa.update(table).where(table.c.id == row_id).values(**values, version=self.version)
        )
        self.conn.execute(
            sa.insert(change_log).values(
                version=self.version,
                entity=entity,
                entity_id=row_id,
                op="upsert",
                changed_at=datetime.now(UTC),
            )
        )


def _rows(conn: sa.Connection, table: sa.TableClause) -> list[sa.Row[tuple[str, str]]]:
    """Oldest first: where two rows want one address, the older keeps its claim."""
    return list(
        conn.execute(
            sa.select(table.c.id, table.c.email)
            .where(table.c.email.is_not(None))
            .order_by(table.c.created_at, table.c.id)
        ).all()
    )


def _migrate(
    conn: sa.Connection, changes: _Changes, table: sa.TableClause, entity: str, *, keyed: bool
) -> None:
    rows = _rows(conn, table)
    holder = {row.email: row.id for row in rows}  # the unique index holds stored spellings
    key_holder: dict[str, str] = {}
    for row in rows:
        normal = _normal(row.email)
        if normal is None:
            log.warning("%s %s keeps email %r: not a valid address", entity, row.id, row.email)
            continue
        twin = holder.get(normal, row.id)
        key = lookalike_key(normal) if keyed else None
        if twin == row.id and key is not None:
            twin = key_holder.get(key, row.id)
        if twin != row.id:
            log.warning(
                "%s %s keeps email %r%s: it looks like %s %s's address; give one of them "
                "another address",
                entity,
                row.id,
                row.email,
                " and has no look-alike key" if keyed else "",
                entity,
                twin,
            )
            continue
        values: dict[str, object] = {"email_key": key} if keyed else {}
        if key is not None:
            key_holder[key] = row.id
        if normal != row.email:
            del holder[row.email]
            holder[normal] = row.id
            changes.stamp(table, entity, row.id, {"email": normal, **values})
        elif values:
            conn.execute(sa.update(table).where(table.c.id == row.id).values(**values))


def upgrade() -> None:
    op.add_column("users", sa.Column("email_key", sa.String(length=1024), nullable=True))
    conn = op.get_bind()
    changes = _Changes(conn)
    _migrate(conn, changes, users, "user", keyed=True)
    _migrate(conn, changes, customers, "customer", keyed=False)
    op.create_index("ix_users_email_key", "users", ["email_key"], unique=True)


def downgrade() -> None:
    # The normal form is also a valid spelling for the older code: emails stay as they are.
    op.drop_index("ix_users_email_key", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_key")
