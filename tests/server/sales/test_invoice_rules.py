"""Every invoice rule refused with the documented error body, and the invoice unchanged after it.

422 for bad input, 409 for a wrong state (DESIGN.md, Domain rules); after each
refusal the invoice reads exactly as before (``updated_at`` included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.factories import create_customer, expect_error
from tests.sales_factories import create_invoice

pytestmark = pytest.mark.engines
Body = dict[str, Any]


def refused(
    admin: Api, invoice: Body, call: Callable[[], httpx.Response], status: int, code: str
) -> Body:
    """``call`` is refused with ``status``/``code`` in the error body; the invoice is unchanged."""
    before = admin.get(f"/api/v1/invoices/{invoice['id']}").json()
    body = expect_error(call(), status, code)
    assert admin.get(f"/api/v1/invoices/{invoice['id']}").json() == before
    return body


def post(
    admin: Api, invoice: Body, action: str, body: Body | None = None
) -> Callable[[], httpx.Response]:
    return lambda: admin.post(f"/api/v1/invoices/{invoice['id']}/{action}", json=body)


def pay(amount: int, currency: str = "USD") -> Body:
    return {"amount": amount, "currency": currency, "method": "bank_transfer"}


def test_draft_rules(admin: Api) -> None:
    empty = create_invoice(admin, lines=[])
    assert (empty["number"], empty["total"]) != (None, None)
    # Sending needs a line.
    body = refused(admin, empty, post(admin, empty, "send"), 409, "conflict")
    assert "lines" in body["details"]
    # No payment on a draft.
    refused(admin, empty, post(admin, empty, "payments", pay(100)), 409, "conflict")
    # Lines are checked: quantity > 0, a price, one currency, a known tax rate, a real item.
    for line, field in [
        ({"description": "x", "quantity": 0, "unit_price": 1}, "quantity"),
        ({"description": "x", "quantity": 1, "unit_price": -1}, "unit_price"),
        ({"description": "x", "quantity": 1.5, "unit_price": 1}, "quantity"),
        ({"description": "x", "quantity": 1, "unit_price": 1, "currency": "EUR"}, "currency"),
        ({"description": "x", "quantity": 1, "unit_price": 1, "tax_rate": "vat_99"}, "tax_rate"),
        ({"item_id": "01900000-0000-7000-8000-000000000000", "quantity": 1}, "item_id"),
        ({"quantity": 1}, "line"),
    ]:
        body = refused(admin, empty, post(admin, empty, "lines", line), 422, "validation_error")
        assert any(field in k or field in v for k, v in body["details"].items()), body
    # A client cannot set totals, numbers or statuses.
    for sent in ({"total": 1}, {"number": "INV-1999-001"}, {"status": "paid"}):
        refused(
            admin,
            empty,
            lambda s=sent: admin.patch(f"/api/v1/invoices/{empty['id']}", json=s),
            422,
            "validation_error",
        )


def test_issued_invoice_rules(admin: Api) -> None:
    customer = create_customer(admin)
    invoice = create_invoice(admin, customer["id"])  # 155000 cents, USD
    sent = admin.post(f"/api/v1/invoices/{invoice['id']}/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["billing_address"]["city"] == "New York"
    # Lines change only in draft; so do the customer and the lines list.
    line = {"description": "More", "quantity": 1, "unit_price": 100}
    refused(admin, invoice, post(admin, invoice, "lines", line), 409, "conflict")
    body = refused(
        admin,
        invoice,
        lambda: admin.patch(f"/api/v1/invoices/{invoice['id']}", json={"lines": [line]}),
        409,
        "conflict",
    )
    assert "lines" in body["details"]
    refused(admin, invoice, post(admin, invoice, "send"), 409, "conflict")  # already sent
    # Payments: > 0, the invoice's currency, never more than the balance due.
    refused(admin, invoice, post(admin, invoice, "payments", pay(0)), 422, "validation_error")
    refused(admin, invoice, post(admin, invoice, "payments", pay(-5)), 422, "validation_error")
    body = refused(
        admin, invoice, post(admin, invoice, "payments", pay(100, "EUR")), 422, "validation_error"
    )
    assert "currency" in body["details"]
    body = refused(
        admin, invoice, post(admin, invoice, "payments", pay(155001)), 422, "validation_error"
    )
    assert "amount" in body["details"]
    refused(
        admin, invoice, post(admin, invoice, "payments", {"amount": 5}), 422, "validation_error"
    )
    # A partial payment keeps the status and shows what is paid and due.
    r = admin.post(f"/api/v1/invoices/{invoice['id']}/payments", json=pay(50000))
    assert r.status_code == 200, r.text
    part = r.json()
    assert (part["status"], part["amount_paid"], part["balance_due"]) == ("sent", 50000, 105000)
    assert admin.get(f"/api/v1/customers/{customer['id']}").json()["total_purchases"] == 50000
    # Overpaying the rest is refused; cancelling a partly paid invoice is refused.
    refused(admin, invoice, post(admin, invoice, "payments", pay(105001)), 422, "validation_error")
    body = refused(admin, invoice, post(admin, invoice, "cancel"), 409, "conflict")
    assert "partly paid" in body["message"]
    # The payment that reaches the total makes it paid; then nothing more is taken.
    r = admin.post(f"/api/v1/invoices/{invoice['id']}/payments", json=pay(105000))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["balance_due"]) == ("paid", 0)
    assert admin.get(f"/api/v1/customers/{customer['id']}").json()["total_purchases"] == 155000
    refused(admin, invoice, post(admin, invoice, "payments", pay(1)), 409, "conflict")
    refused(admin, invoice, post(admin, invoice, "cancel"), 409, "conflict")
    refused(
        admin,
        invoice,
        lambda: admin.patch(f"/api/v1/invoices/{invoice['id']}", json={"due_date": "2099-01-01"}),
        409,
        "conflict",
    )
    # Notes stay editable.
    r = admin.patch(f"/api/v1/invoices/{invoice['id']}", json={"notes": "Paid, thanks"})
    assert r.status_code == 200 and r.json()["notes"] == "Paid, thanks"


def test_cancel_and_overdue(admin: Api) -> None:
    invoice = create_invoice(admin, due_date="2020-01-31")
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").json()["status"] == "overdue"
    listed = admin.get("/api/v1/invoices", params={"status": "overdue"}).json()["items"]
    assert [i["id"] for i in listed] == [invoice["id"]]
    assert admin.get("/api/v1/invoices", params={"status": "sent"}).json()["items"] == []
    # Overdue can still be paid in part, and cancelled only while nothing is paid.
    draft = create_invoice(admin)
    r = admin.post(f"/api/v1/invoices/{draft['id']}/cancel", json={"reason": "Duplicate"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["cancel_reason"]) == (
        "cancelled",
        "Duplicate",
    )
    refused(admin, draft, post(admin, draft, "cancel"), 409, "conflict")
    refused(admin, draft, post(admin, draft, "send"), 409, "conflict")
    refused(admin, draft, post(admin, draft, "payments", pay(1)), 409, "conflict")
    r = admin.post(f"/api/v1/invoices/{invoice['id']}/payments", json=pay(1000))
    assert r.status_code == 200 and r.json()["status"] == "overdue"
    refused(admin, invoice, post(admin, invoice, "cancel"), 409, "conflict")
