"""API keys: stored as a SHA-256 hash, owned by the user who made them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, IdMixin, JSONType, utcnow
from server.sync.models import SyncedMixin
from server.users.models import User


class ApiKey(IdMixin, SyncedMixin, Base):
    """One key. Synced only for the audit trail: no replica receives it (no EntitySpec)."""

    __tablename__ = "api_keys"
    __entity__ = "api_key"
    __audit_redact__ = frozenset({"key_hash"})

    user_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    permissions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written outside the unit of work, at most once a minute (server.api_keys.service.touch).
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="raise")
