"""The commit-ordered change log: one counter row and one entry per changed record."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, IdMixin, JSONType, utcnow

# On PostgreSQL each transaction that takes a version announces it on this channel
# (pg_notify, delivered at commit): every server process's listener wakes its streams.
VERSION_CHANNEL = "crm_sync_version"


class SyncState(Base):
    """The single counter row; its row lock orders writers, so version order is commit order."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    epoch: Mapped[str] = mapped_column(sa.String(36))
    # Change-log entries up to this version were compacted away: older cursors must reset.
    purged_version: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


class ChangeLog(Base):
    """One entry per record a transaction changed, stamped with that transaction's version."""

    __tablename__ = "change_log"

    version: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    entity_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    op: Mapped[str] = mapped_column(sa.String(10))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The fields an update changed (columns, or noted names like ``address.city``);
    # null for a create, a delete, or a change that named none: the whole record.
    fields: Mapped[list[str] | None] = mapped_column(JSONType, default=None)

    __table_args__ = (
        sa.CheckConstraint("op IN ('upsert', 'delete')", name="op"),
        sa.Index("ix_change_log_entity_entity_id", "entity", "entity_id"),
    )


class SyncedMixin:
    """A record that replicas receive: it carries the version of its last change.

    ``__entity__`` names it in the change log; ``__audit_redact__`` lists
    columns whose values never reach the audit log.
    """

    __entity__: ClassVar[str]
    __audit_redact__: ClassVar[frozenset[str]] = frozenset()

    version: Mapped[int] = mapped_column(sa.BigInteger, default=0, index=True)


class SyncClient(Base):
    """A desktop replica, bound to the user who first pushed from it."""

    __tablename__ = "sync_clients"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_mutation_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_push_at: Mapped[datetime | None] = mapped_column(default=None)


class SyncMutation(Base):
    """The stored result of one applied (or rejected) mutation, returned again on a retry.

    ``fingerprint`` (``Mutation.fingerprint``) tells a retry of this mutation from
    another edit sent under the same id (a replica restored from an older copy);
    NULL on rows stored before it existed. ``version`` also says which versions this
    client's own pushes made: a merge does not count them as writes the user never saw.
    """

    __tablename__ = "sync_mutations"

    client_id: Mapped[str] = mapped_column(
        sa.ForeignKey("sync_clients.id", ondelete="CASCADE"), primary_key=True
    )
    mutation_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    version: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    fingerprint: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_sync_mutations_client_id_version", "client_id", "version"),)


class SyncConflict(IdMixin, SyncedMixin, Base):
    """The same field changed on two sides: both values, for the user to choose.

    It is an ordinary synced record: the desktop receives it by pull and
    resolves it with an ordinary update mutation (``status`` -> resolved).
    """

    __tablename__ = "sync_conflicts"
    __entity__ = "conflict"

    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    field: Mapped[str] = mapped_column(sa.String(64))
    base: Mapped[Any] = mapped_column(JSONType, nullable=True)
    mine: Mapped[Any] = mapped_column(JSONType, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSONType, nullable=True)
    applied: Mapped[str] = mapped_column(sa.String(10))  # which value the record holds now
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    theirs_by: Mapped[str | None] = mapped_column(sa.String(36), default=None)
    theirs_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'resolved')", name="status"),
        sa.CheckConstraint("applied IN ('mine', 'theirs')", name="applied"),
    )
