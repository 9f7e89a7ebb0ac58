"""Email delivery: the outbox drained in claims, sent by SMTP, retried with a growing wait.

A drain claims due rows in a short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the write lock on SQLite) by setting ``claimed_until``: one process
sends each row, and a row whose process died is claimed again after the lease.
Sending happens outside any transaction; the result is written in another short one.
Preferences are read again at sending: email turned off since -> skipped; inside
quiet hours -> postponed to their end.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa

from common.notifications import quiet_until
from server.config import Settings
from server.db import Database, utcnow
from server.notifications.models import EmailOutbox, Notification
from server.notifications.service import kind_preference, preferences
from server.unit_of_work import transaction
from server.users.models import User

log = logging.getLogger("crm.notifications")
CLAIM = 20  # rows per claim
LEASE = timedelta(minutes=2)  # a claim outlives a stuck SMTP conversation (timeout 10 s)


@dataclass(frozen=True)
class Email:
    outbox_id: str
    to: str
    subject: str
    text: str


def send_email(settings: Settings, email: Email) -> None:
    """One message over SMTP as the settings say; raises on any failure."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.text)
    host = settings.smtp_host
    assert host is not None
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, settings.smtp_port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(settings.smtp_username, password)
        client.send_message(message)


def _due(now: datetime) -> sa.Select[str]:
    return (
        sa.select(EmailOutbox.id)
        .where(
            EmailOutbox.status == "pending",
            EmailOutbox.next_attempt_at <= now,
            sa.or_(EmailOutbox.claimed_until.is_(None), EmailOutbox.claimed_until < now),
        )
        .order_by(EmailOutbox.next_attempt_at)
        .limit(CLAIM)
    )


def _claim(db: Database, now: datetime) -> list[str]:
    # A look first, on a read session: an idle outbox costs no write lock (SQLite) per poll.
    with db.session(write=False) as session:
        if session.execute(_due(now).limit(1)).first() is None:
            return []
    with transaction(db) as session:
        ids = list(session.scalars(_due(now).with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                sa.update(EmailOutbox)
                .where(EmailOutbox.id.in_(ids))
                .values(claimed_until=now + LEASE)
            )
        return ids


def _prepare(db: Database, outbox_id: str, now: datetime) -> Email | None:
    """The email to send now, or None after settling the row (skipped, or postponed)."""
    with transaction(db) as session:
        row = session.get(EmailOutbox, outbox_id)
        if row is None or row.status != "pending":
            return None
        note = session.get(Notification, row.notification_id)
        user = session.get(User, row.user_id)
        prefs = preferences(session, row.user_id)
        if note is None or user is None or not user.active:
            row.status, row.last_error, row.claimed_until = "skipped", "no such user", None
            return None
        if not (prefs.email_enabled and kind_preference(prefs, note.kind).email):
            row.status, row.last_error, row.claimed_until = "skipped", "email turned off", None
            return None
        quiet_end = quiet_until(
            now, prefs.quiet_hours_start, prefs.quiet_hours_end, prefs.time_zone
        )
        if quiet_end is not None:
            row.next_attempt_at, row.claimed_until = quiet_end, None
            return None
        text = note.body or note.title
        return Email(outbox_id, user.email, note.title, text)


def _settle(db: Database, settings: Settings, outbox_id: str, error: str | None) -> None:
    with transaction(db) as session:
        row = session.get(EmailOutbox, outbox_id)
        if row is None:
            return
        row.claimed_until = None
        row.attempts += 1
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
            return
        row.last_error = error[:2000]
        if row.attempts >= settings.notification_max_attempts:
            row.status = "failed"
        else:
            wait = settings.notification_retry_seconds * 2 ** (row.attempts - 1)
            row.next_attempt_at = utcnow() + timedelta(seconds=wait)


def drain(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Send what is due; the number of emails sent."""
    sent = 0
    while True:
        moment = now or utcnow()
        claimed = _claim(db, moment)
        if not claimed:
            return sent
        for outbox_id in claimed:
            email = _prepare(db, outbox_id, moment)
            if email is None:
                continue
            if settings.smtp_host is None:
                _skip_unconfigured(db, outbox_id)
                continue
            try:
                send_email(settings, email)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("email to %s failed: %s", email.to, exc)
                _settle(db, settings, outbox_id, f"{type(exc).__name__}: {exc}")
            else:
                _settle(db, settings, outbox_id, None)
                sent += 1
        if now is not None:
            return sent  # a fixed moment (tests): one pass


def _skip_unconfigured(db: Database, outbox_id: str) -> None:
    with transaction(db) as session:
        row = session.get(EmailOutbox, outbox_id)
        if row is not None:
            row.status, row.last_error, row.claimed_until = "skipped", "no SMTP server set", None
