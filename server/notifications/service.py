"""Notifications: the producer API (``notify``), each user's list, and their preferences.

Producers call ``notify`` inside the unit of work of the event (a payment, a deal
won), so the notification and its email commit with the event or not at all. The
email goes through ``email_outbox``, which a background worker drains
(``server.notifications.delivery``): the request never waits for SMTP.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from common.ids import new_id
from common.notifications import KINDS, KindPreference, PreferencesUpdate
from server.audit.models import AuditRecord
from server.db import utcnow
from server.errors import NotFound
from server.listing import PageRequest, PageResult, paginate
from server.notifications.models import EmailOutbox, Notification, NotificationPreferences

SORTS = {"created_at": Notification.created_at}
DEFAULTS = NotificationPreferences(
    email_enabled=True,
    sms_enabled=False,
    push_enabled=True,
    quiet_hours_start=None,
    quiet_hours_end=None,
    time_zone="UTC",
    kinds={},
)


def kind_preference(prefs: NotificationPreferences, kind: str) -> KindPreference:
    return KindPreference.model_validate(prefs.kinds.get(kind, {}))


def preferences(session: Session, user_id: str) -> NotificationPreferences:
    """The user's preferences; the defaults (not stored) when they never set any."""
    return session.get(NotificationPreferences, user_id) or DEFAULTS


def notify(
    session: Session,
    *,
    user_id: str | None,
    kind: str,
    title: str,
    body: str = "",
    record: tuple[str, str] | None = None,
    dedupe_key: str | None = None,
    actor_id: str | None = None,
) -> str | None:
    """Tell ``user_id`` about an event, in the caller's unit of work; the new id, or None.

    Nothing is made when there is no one to tell, when the user caused the event
    (``actor_id``), when they turned this kind off, or when ``dedupe_key`` was used
    for them before (a scheduled check that runs again). An email is queued when
    their preferences want one; quiet hours only delay it (the worker decides).
    """
    if user_id is None or user_id == actor_id:
        return None
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    prefs = preferences(session, user_id)
    wanted = kind_preference(prefs, kind)
    if not wanted.in_app:
        return None
    nid = new_id()
    values: dict[str, Any] = {
        "id": nid,
        "user_id": user_id,
        "kind": kind,
        "title": title[:200],
        "body": body,
        "entity": record[0] if record else None,
        "entity_id": record[1] if record else None,
        "dedupe_key": dedupe_key,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Notification).values(values)
    if dedupe_key is not None:  # another process's check may have made it a moment ago
        statement = statement.on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
    # RETURNING, not rowcount: what psycopg reports for ON CONFLICT DO NOTHING is not 1 or 0.
    if session.execute(statement.returning(Notification.id)).first() is None:
        return None
    if prefs.email_enabled and wanted.email:
        session.execute(
            sa.insert(EmailOutbox).values(
                id=new_id(),
                notification_id=nid,
                user_id=user_id,
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
    return nid


def creator_of(session: Session, entity: str, entity_id: str) -> str | None:
    """Who created a record (its first audited change by a user): whom its events concern."""
    return session.scalar(
        sa.select(AuditRecord.actor_id)
        .where(
            AuditRecord.entity == entity,
            AuditRecord.entity_id == entity_id,
            AuditRecord.actor_id.is_not(None),
        )
        .order_by(AuditRecord.created_at, AuditRecord.id)
        .limit(1)
    )


def list_notifications(
    *, session: Session, user_id: str, page: PageRequest, unread_only: bool
) -> PageResult[Notification]:
    filters = [Notification.user_id == user_id]
    if unread_only:
        filters.append(Notification.read_at.is_(None))
    return paginate(
        session,
        sa.select(Notification),
        page,
        sortable=SORTS,
        default_sort="created_at",
        tiebreak=Notification.id,
        filters=filters,
    )


def get(*, session: Session, user_id: str, id: str) -> Notification:
    row = session.get(Notification, id)
    if row is None or row.user_id != user_id:
        raise NotFound("Notification not found")
    return row


def mark_read(*, session: Session, user_id: str, id: str) -> Notification:
    row = get(session=session, user_id=user_id, id=id)
    if row.read_at is None:
        row.read_at = utcnow()
        session.flush()
    return row


def mark_all_read(*, session: Session, user_id: str) -> int:
    """Mark every unread notification of the user read; how many were."""
    result = session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def update_preferences(
    *, session: Session, user_id: str, data: PreferencesUpdate
) -> NotificationPreferences:
    prefs = session.get(NotificationPreferences, user_id, with_for_update=True)
    if prefs is None:
        prefs = NotificationPreferences(user_id=user_id, kinds={})
        for name in ("email_enabled", "sms_enabled", "push_enabled", "time_zone"):
            setattr(prefs, name, getattr(DEFAULTS, name))
        session.add(prefs)
    changes = data.changes()
    kinds = changes.pop("kinds", None)
    for name, value in changes.items():
        setattr(prefs, name, value)
    if kinds:
        merged = dict(prefs.kinds)
        for kind, wanted in kinds.items():
            merged[kind] = KindPreference.model_validate(wanted).model_dump()
        prefs.kinds = merged
    # Emails held back by the old settings are looked at again under the new ones at once.
    session.execute(
        sa.update(EmailOutbox)
        .where(EmailOutbox.user_id == user_id, EmailOutbox.status == "pending")
        .values(next_attempt_at=utcnow())
    )
    session.flush()
    return prefs
