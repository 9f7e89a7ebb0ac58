"""Notifications over HTTP: made by events, listed per user, emailed through a real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from server.context import AppContext
from tests.conftest import ADMIN_EMAIL, Api
from tests.e2e.test_serve import free_port
from tests.factories import create_customer, expect_error, user_with_role
from tests.micro_factories import create_deal
from tests.sales_factories import create_invoice


@dataclass
class Inbox:
    """What the test's SMTP server received; ``refuse`` answers the next N messages with 451."""

    messages: list[Message] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def settings_overrides(inbox: tuple[Inbox, int]) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": inbox[1],
        "smtp_security": "none",
        "smtp_from": "CRM <crm@example.com>",
        "notification_poll_seconds": 0.05,
        "notification_scan_seconds": 0.05,
        "notification_retry_seconds": 0.05,
    }


@pytest.fixture
def worker(app: FastAPI) -> Iterator[None]:
    """The app's notification worker (the tests' server runs without a lifespan)."""
    app.state.notifier.start()
    yield
    app.state.notifier.stop()


def wait_for(condition: Any, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value


def overdue_invoice(admin: Api, ctx: AppContext) -> dict[str, Any]:
    invoice = create_invoice(admin)
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    # Time passes: the due date is yesterday (no endpoint moves a sent invoice's date back).
    with ctx.db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE invoices SET due_date = :d WHERE id = :id"),
            {"d": (datetime.now(UTC) - timedelta(days=1)).date(), "id": invoice["id"]},
        )
    return invoice


def outbox(ctx: AppContext) -> list[Any]:
    with ctx.db.engine.connect() as conn:
        return list(
            conn.execute(sa.text("SELECT status, attempts, next_attempt_at FROM email_outbox"))
        )


@pytest.mark.engines  # the outbox is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL
def test_an_overdue_invoice_is_notified_and_emailed(
    admin: Api, ctx: AppContext, inbox: tuple[Inbox, int], worker: None
) -> None:
    invoice = overdue_invoice(admin, ctx)
    # The scheduled check makes the notification; the worker emails it.
    mail = wait_for(lambda: inbox[0].messages)[0]
    assert mail["To"] == ADMIN_EMAIL
    assert mail["From"] == "CRM <crm@example.com>"
    assert mail["Subject"] == f"Invoice {invoice['number']} is overdue"
    assert "$1,550.00 is still unpaid" in mail.get_payload()

    unread = admin.get("/api/v1/notifications", params={"unread_only": "true"}).json()
    assert unread["total"] == 1
    note = unread["items"][0]
    assert (note["kind"], note["entity"], note["entity_id"]) == (
        "invoice_overdue",
        "invoice",
        invoice["id"],
    )
    assert note["read"] is False
    assert admin.get(f"/api/v1/notifications/{note['id']}").json() == note
    # Scans go on (every 50 ms here); the invoice is told about once.
    wait_for(lambda: outbox(ctx) and outbox(ctx)[0][0] == "sent")
    assert admin.get("/api/v1/notifications").json()["total"] == 1

    r = admin.patch(f"/api/v1/notifications/{note['id']}/read")
    assert r.status_code == 200 and r.json()["read"] is True and r.json()["read_at"]
    assert admin.get("/api/v1/notifications", params={"unread_only": "true"}).json()["total"] == 0
    assert admin.post("/api/v1/notifications/read-all").json() == {"marked": 0}
    # Another user sees none of it.
    other, _ = user_with_role(admin, "admin")
    assert other.get("/api/v1/notifications").json()["total"] == 0
    expect_error(other.get(f"/api/v1/notifications/{note['id']}"), 404, "not_found")
    expect_error(other.patch(f"/api/v1/notifications/{note['id']}/read"), 404, "not_found")


def test_quiet_hours_hold_the_email_back_until_they_end(
    admin: Api, ctx: AppContext, inbox: tuple[Inbox, int], worker: None
) -> None:
    now = datetime.now(UTC)
    quiet = {
        "quiet_hours_start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_hours_end": (now + timedelta(hours=1)).strftime("%H:%M"),
        "time_zone": "UTC",
    }
    r = admin.patch("/api/v1/notifications/preferences", json=quiet)
    assert r.status_code == 200, r.text
    assert r.json()["quiet_hours_start"] == quiet["quiet_hours_start"]
    overdue_invoice(admin, ctx)
    wait_for(lambda: admin.get("/api/v1/notifications").json()["total"] == 1)
    # The worker looked at the email and put it off to the end of the quiet hours.
    # (Queued for "now"; the worker moves it to the quiet hours' end, an hour from now.)
    postponed = wait_for(
        lambda: [r for r in outbox(ctx) if _aware(r[2]) > now + timedelta(minutes=30)]
    )
    assert postponed[0][0] == "pending"
    assert inbox[0].messages == []
    # Quiet hours over (cleared): the email goes at once.
    r = admin.patch(
        "/api/v1/notifications/preferences",
        json={"quiet_hours_start": None, "quiet_hours_end": None},
    )
    assert r.status_code == 200, r.text
    wait_for(lambda: inbox[0].messages)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_events_notify_the_creator_and_preferences_filter_them(
    admin: Api, ctx: AppContext, inbox: tuple[Inbox, int], worker: None
) -> None:
    inbox[0].refuse = 1  # the first attempt fails: the email is retried
    clerk, _ = user_with_role(admin, "admin")
    invoice = create_invoice(admin)
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    pay = {"amount": 50000, "currency": "USD", "method": "bank_transfer"}
    r = clerk.post(f"/api/v1/invoices/{invoice['id']}/payments", json=pay)
    assert r.status_code == 200, r.text
    note = wait_for(lambda: admin.get("/api/v1/notifications").json()["items"])[0]
    assert note["kind"] == "payment_received"
    assert "$500.00 received" in note["body"]
    mail = wait_for(lambda: inbox[0].messages)[0]
    assert mail["Subject"] == f"Payment on invoice {invoice['number']}"
    # The server's 250 comes before the worker writes down the result.
    wait_for(lambda: outbox(ctx)[0][0] == "sent")
    assert outbox(ctx)[0][:2] == ("sent", 2)  # refused once, then sent
    # Whoever caused the event is not told about it.
    admin.post(f"/api/v1/invoices/{invoice['id']}/payments", json=pay)
    assert admin.get("/api/v1/notifications").json()["total"] == 1

    # Deals: won tells the creator; a kind turned off in the app makes nothing, email off no email.
    r = admin.patch(
        "/api/v1/notifications/preferences",
        json={
            "kinds": {"deal_lost": {"in_app": False, "email": False}, "deal_won": {"email": False}}
        },
    )
    assert r.status_code == 200, r.text
    prefs = r.json()
    assert prefs["kinds"]["deal_won"] == {"in_app": True, "email": False}
    assert prefs["kinds"]["invoice_overdue"] == {"in_app": True, "email": True}
    customer = create_customer(admin)
    deals = [create_deal(admin, customer["id"], title=t) for t in ("Won one", "Lost one")]
    for deal, stage in zip(deals, ("WON", "LOST"), strict=True):
        r = clerk.patch(f"/api/v1/deals/{deal['id']}", json={"stage": stage})
        assert r.status_code == 200, r.text
    kinds = [n["kind"] for n in admin.get("/api/v1/notifications").json()["items"]]
    assert kinds == ["deal_won", "payment_received"]
    assert len(outbox(ctx)) == 1  # deal_won made no email


def test_preferences_are_validated(admin: Api) -> None:
    prefs = admin.get("/api/v1/notifications/preferences").json()
    assert prefs["email_enabled"] is True and prefs["quiet_hours_start"] is None
    assert set(prefs["kinds"]) >= {"invoice_overdue", "payment_received", "deal_won", "message"}
    for bad in (
        {"quiet_hours_start": "25:00", "quiet_hours_end": "08:00"},
        {"quiet_hours_start": "22:00"},
        {"time_zone": "Mars/Olympus"},
        {"kinds": {"spaceship": {"email": False}}},
        {"email_enabled": None},
        {"colour": "red"},
    ):
        expect_error(
            admin.patch("/api/v1/notifications/preferences", json=bad), 422, "validation_error"
        )
    r = admin.patch(
        "/api/v1/notifications/preferences",
        json={
            "email_enabled": False,
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "08:00",
            "time_zone": "Europe/Kyiv",
        },
    )
    assert r.status_code == 200, r.text
    assert admin.get("/api/v1/notifications/preferences").json() == r.json()
