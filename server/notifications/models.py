"""Notifications per user, each user's preferences, and the email outbox a worker drains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, IdMixin, JSONType, utcnow


class Notification(IdMixin, Base):
    """Something a user should know: made in the unit of work of the event it tells about."""

    __tablename__ = "notifications"

    user_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    entity: Mapped[str | None] = mapped_column(sa.String(40))
    entity_id: Mapped[str | None] = mapped_column(sa.String(36))
    # One notification per user and key ("invoice_overdue:<id>"): a repeated check adds none.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "dedupe_key"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
    )


class NotificationPreferences(Base):
    """A user's channels, quiet hours and per-kind settings; no row: the defaults."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_enabled: Mapped[bool] = mapped_column(default=True)
    sms_enabled: Mapped[bool] = mapped_column(default=False)
    push_enabled: Mapped[bool] = mapped_column(default=True)
    quiet_hours_start: Mapped[str | None] = mapped_column(sa.String(5))
    quiet_hours_end: Mapped[str | None] = mapped_column(sa.String(5))
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    kinds: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailOutbox(IdMixin, Base):
    """An email to send for a notification; claimed by one worker at a time, retried on failure."""

    __tablename__ = "email_outbox"

    notification_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # sent|failed|skipped
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index("ix_email_outbox_due", "status", "next_attempt_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'skipped')", name="status_known"
        ),
    )
