"""The background worker of a server process: scheduled checks and the email outbox.

Every ``notification_poll_seconds`` (sooner when this process commits a change)
it drains the outbox; every ``notification_scan_seconds`` it runs the scheduled
checks, such as invoices that became overdue. Several processes may run one each:
claims and the notifications' dedupe keys keep every email and notification single.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa

from common.documents.invoice_pdf import money
from server.config import Settings
from server.db import Database
from server.invoices.models import Invoice
from server.invoices.service import today
from server.notifications.delivery import drain
from server.notifications.models import Notification
from server.notifications.service import creator_of, notify
from server.unit_of_work import transaction

log = logging.getLogger("crm.notifications")
SCAN_BATCH = 200


def overdue_key(invoice_id: str) -> str:
    return f"invoice_overdue:{invoice_id}"


def scan_overdue(db: Database) -> int:
    """Notify each overdue invoice's creator once; the number of invoices newly told about."""
    told = 0
    while True:
        with transaction(db) as session:
            key = sa.literal("invoice_overdue:") + Invoice.id
            due = session.scalars(
                sa.select(Invoice)
                .where(
                    Invoice.status == "sent",
                    Invoice.due_date < today(),
                    Invoice.amount_paid < Invoice.total,
                    ~sa.exists().where(Notification.dedupe_key == key),
                )
                .order_by(Invoice.due_date, Invoice.id)
                .limit(SCAN_BATCH)
            ).all()
            for invoice in due:
                balance = invoice.total - invoice.amount_paid
                made = notify(
                    session,
                    user_id=creator_of(session, "invoice", invoice.id),
                    kind="invoice_overdue",
                    title=f"Invoice {invoice.number} is overdue",
                    body=(
                        f"Invoice {invoice.number} was due on {invoice.due_date}; "
                        f"{money(balance, invoice.currency)} is still unpaid."
                    ),
                    record=("invoice", invoice.id),
                    dedupe_key=overdue_key(invoice.id),
                )
                # Nobody to tell (made by the console): looked at again next scan; rare, cheap.
                told += made is not None
        if len(due) < SCAN_BATCH:
            return told


class NotificationWorker:
    """A daemon thread per server process; ``start`` and ``stop`` from the app's lifespan."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_scan = 0.0
        db.on_commit(lambda _version: self._wake.set())

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="crm-notifications", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def run_once(self) -> None:
        """One round: the scheduled checks if due, then the outbox."""
        if time.monotonic() >= self._next_scan:
            self._next_scan = time.monotonic() + self.settings.notification_scan_seconds
            scan_overdue(self.db)
        drain(self.db, self.settings)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a database outage: log, and try again next round
                log.exception("notification round failed")
            self._wake.wait(self.settings.notification_poll_seconds)
            self._wake.clear()
