"""The audit log table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, IdMixin, JSONType, utcnow


class AuditRecord(IdMixin, Base):
    """One write to one record: who, what, when, which record, before/after of changed fields."""

    __tablename__ = "audit_log"

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(36))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType)

    __table_args__ = (sa.Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
