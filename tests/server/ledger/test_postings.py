"""Automatic postings over HTTP, both databases: the spec's workflow booked, in one unit of work."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.factories import create_customer, expect_error
from tests.ledger_factories import balance_of, currency_part, load_chart, report
from tests.sales_factories import create_invoice

pytestmark = pytest.mark.engines


def _postings(admin: Api, invoice_id: str) -> list[dict[str, Any]]:
    r = admin.get("/api/v1/transactions", params={"source_id": invoice_id, "sort_order": "asc"})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _lines(tx: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(x["account_code"], x["debit"], x["credit"]) for x in tx["lines"]]


def test_the_spec_workflow_balances_the_books(admin: Api) -> None:
    # Given the spec's workflow: a customer, an invoice of 50000 sent and paid in full.
    customer = create_customer(admin, name="Acme Corp", currency="USD")
    invoice = create_invoice(
        admin,
        customer["id"],
        lines=[{"description": "Services", "quantity": 1, "unit_price": 50000, "currency": "USD"}],
    )
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    r = admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": 50000, "currency": "USD", "method": "bank_transfer"},
    )
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text

    # Then the ledger holds both postings (the accounts came from the starter chart's codes).
    sent, paid = _postings(admin, invoice["id"])
    assert (sent["source"], _lines(sent)) == ("invoice", [("1200", 50000, 0), ("4000", 0, 50000)])
    assert (paid["source"], _lines(paid)) == ("payment", [("1020", 50000, 0), ("1200", 0, 50000)])
    # The trial balance balances, receivables are back to 0, revenue shows 50000.
    trial = currency_part(report(admin, "trial-balance"))
    assert trial["difference"] == 0 and trial["total_debit"] == trial["total_credit"] == 50000
    assert balance_of(admin, "1200") == 0
    assert balance_of(admin, "4000") == 50000
    pnl = currency_part(report(admin, "profit-and-loss"))
    assert (pnl["total_revenue"], pnl["total_expenses"], pnl["net_income"]) == (50000, 0, 50000)
    sheet = currency_part(report(admin, "balance-sheet"))
    assert sheet["balanced"] and sheet["total_assets"] == 50000 and sheet["current_result"] == 50000
    assert report(admin, "receivables-ageing")["currencies"] == []


def test_tax_goes_to_tax_payable_and_cash_to_the_till(admin: Api) -> None:
    load_chart(admin)
    invoice = create_invoice(
        admin,
        lines=[
            {"description": "Work", "quantity": 2, "unit_price": 10000, "tax_rate": "vat_20"},
            {"description": "Book", "quantity": 1, "unit_price": 5000},
        ],
    )
    sent = admin.post(f"/api/v1/invoices/{invoice['id']}/send").json()
    assert (sent["subtotal"], sent["tax_total"], sent["total"]) == (25000, 4000, 29000)
    (posting,) = _postings(admin, invoice["id"])
    assert _lines(posting) == [("1200", 29000, 0), ("4000", 0, 25000), ("2200", 0, 4000)]
    r = admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": 9000, "currency": "USD", "method": "cash"},
    )
    assert r.status_code == 200, r.text
    assert _lines(_postings(admin, invoice["id"])[1]) == [("1010", 9000, 0), ("1200", 0, 9000)]
    assert balance_of(admin, "1200") == 20000
    assert balance_of(admin, "2200") == 4000
    ageing = currency_part(report(admin, "receivables-ageing"))
    assert ageing["totals"]["total"] == 20000


def test_cancelling_a_sent_invoice_reverses_its_posting(admin: Api) -> None:
    draft = create_invoice(admin)
    assert admin.post(f"/api/v1/invoices/{draft['id']}/cancel", json={}).status_code == 200
    assert _postings(admin, draft["id"]) == []  # a draft was never booked
    invoice = create_invoice(admin)
    admin.post(f"/api/v1/invoices/{invoice['id']}/send")
    r = admin.post(f"/api/v1/invoices/{invoice['id']}/cancel", json={"reason": "Duplicate"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    posted, reversal = _postings(admin, invoice["id"])
    assert reversal["reverses_id"] == posted["id"] and posted["reversed_by_id"] == reversal["id"]
    assert _lines(reversal) == [("1200", 0, 155000), ("4000", 155000, 0)]
    assert balance_of(admin, "1200") == 0 and balance_of(admin, "4000") == 0


def test_other_currencies_post_to_their_own_accounts_and_reports(admin: Api) -> None:
    load_chart(admin)
    usd = create_invoice(admin)
    customer = create_customer(admin, currency="EUR")
    eur = create_invoice(
        admin,
        customer["id"],
        currency="EUR",
        lines=[{"description": "Beratung", "quantity": 1, "unit_price": 70000}],
    )
    for inv in (usd, eur):
        assert admin.post(f"/api/v1/invoices/{inv['id']}/send").status_code == 200
    (posting,) = _postings(admin, eur["id"])
    assert posting["currency"] == "EUR"
    assert _lines(posting) == [("1200-EUR", 70000, 0), ("4000-EUR", 0, 70000)]
    sub = admin.get("/api/v1/accounts", params={"search": "1200-EUR"}).json()["items"][0]
    parent = admin.get("/api/v1/accounts", params={"search": "1200"}).json()["items"][0]
    assert (sub["currency"], sub["type"], sub["parent_id"]) == ("EUR", "asset", parent["id"])
    # Never added together: one part per currency.
    trial = report(admin, "trial-balance")
    assert [(c["currency"], c["total_debit"], c["difference"]) for c in trial["currencies"]] == [
        ("EUR", 70000, 0),
        ("USD", 155000, 0),
    ]
    only = report(admin, "profit-and-loss", currency="EUR")
    assert [(c["currency"], c["total_revenue"]) for c in only["currencies"]] == [("EUR", 70000)]


def test_an_inactive_posting_account_refuses_the_send_and_nothing_commits(
    admin: Api, ctx: AppContext
) -> None:
    load_chart(admin)
    receivable = admin.get("/api/v1/accounts", params={"search": "1200"}).json()["items"][0]
    assert admin.patch(f"/api/v1/accounts/{receivable['id']}/deactivate").status_code == 200
    invoice = create_invoice(admin)
    with ctx.db.engine.connect() as conn:
        log_before = conn.scalar(sa.text("SELECT count(*) FROM change_log"))
    body = expect_error(admin.post(f"/api/v1/invoices/{invoice['id']}/send"), 409, "conflict")
    assert "1200 is inactive" in body["message"]
    # Neither the invoice's change nor a posting nor a change-log entry was kept.
    assert admin.get(f"/api/v1/invoices/{invoice['id']}").json()["status"] == "draft"
    assert _postings(admin, invoice["id"]) == []
    with ctx.db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM change_log")) == log_before
        assert conn.scalar(sa.text("SELECT count(*) FROM transactions")) == 0


def test_posting_accounts_are_settings(admin: Api) -> None:
    load_chart(admin)
    roles = {s["role"]: s for s in admin.get("/api/v1/accounting/posting-accounts").json()["data"]}
    assert roles["bank"]["code"] == "1020" and roles["bank"]["default"] is True
    r = admin.post("/api/v1/accounts", json={"code": "1025", "name": "Savings", "type": "asset"})
    assert r.status_code == 201, r.text
    r = admin.put("/api/v1/accounting/posting-accounts/bank", json={"account_id": "1025"})
    assert r.status_code == 200 and r.json()["code"] == "1025", r.text
    expect_error(
        admin.put("/api/v1/accounting/posting-accounts/bank", json={"account_id": "4000"}),
        422,
        "validation_error",
    )
    invoice = create_invoice(admin)
    admin.post(f"/api/v1/invoices/{invoice['id']}/send")
    admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": 1000, "currency": "USD", "method": "card"},
    )
    assert _lines(_postings(admin, invoice["id"])[1])[0] == ("1025", 1000, 0)
