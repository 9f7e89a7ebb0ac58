"""The commit-ordered change log: one counter row and one entry per changed record."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class SyncState(Base):
    """The single counter row; its row lock orders writers, so version order is commit order."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    epoch: Mapped[str] = mapped_column(sa.String(36))

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


class ChangeLog(Base):
    """One entry per record a transaction changed, stamped with that transaction's version."""

    __tablename__ = "change_log"

    version: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    entity_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    op: Mapped[str] = mapped_column(sa.String(10))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

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
