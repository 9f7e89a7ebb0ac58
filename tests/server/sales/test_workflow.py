"""The spec's end-to-end workflow, exactly as written, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import Api

pytestmark = pytest.mark.engines


def test_spec_end_to_end_workflow(admin: Api) -> None:
    year = datetime.now(UTC).year
    # 1. Create customer
    r = admin.post(
        "/api/v1/customers",
        json={
            "name": "Acme Corp",
            "email": "contact@acme.com",
            "credit_limit": 100000,
            "currency": "USD",
        },
    )
    assert r.status_code == 201, r.text
    customer = r.json()

    # 2. Create invoice
    r = admin.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer["id"],
            "due_date": "2026-02-15",
            "lines": [
                {"description": "Services", "quantity": 1, "unit_price": 50000, "currency": "USD"}
            ],
        },
    )
    assert r.status_code == 201, r.text
    invoice = r.json()
    assert invoice["number"] == f"INV-{year}-001"
    assert invoice["status"] == "draft"
    assert (invoice["subtotal"], invoice["total"], invoice["currency"]) == (50000, 50000, "USD")
    assert invoice["customer_name"] == "Acme Corp"

    # 3. Send invoice
    r = admin.post(f"/api/v1/invoices/{invoice['id']}/send")
    assert r.status_code == 200, r.text
    # Its due date (2026-02-15) may be past: a sent invoice past it reads overdue; both can be paid.
    assert r.json()["status"] in ("sent", "overdue")

    # 4. Record payment
    r = admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": 50000, "currency": "USD", "method": "bank_transfer"},
    )
    assert r.status_code == 200, r.text
    paid = r.json()
    assert paid["status"] == "paid"
    assert (paid["amount_paid"], paid["balance_due"]) == (50000, 0)

    # The server's own state agrees: the invoice, its list entry and the customer's purchases.
    got = admin.get(f"/api/v1/invoices/{invoice['id']}").json()
    assert (got["number"], got["status"], got["total"]) == (f"INV-{year}-001", "paid", 50000)
    listed = admin.get("/api/v1/invoices", params={"status": "paid"}).json()
    assert [i["id"] for i in listed["items"]] == [invoice["id"]]
    assert listed["items"][0]["customer_name"] == "Acme Corp"
    assert admin.get(f"/api/v1/customers/{customer['id']}").json()["total_purchases"] == 50000
