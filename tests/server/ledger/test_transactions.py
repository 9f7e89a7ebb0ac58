"""Transactions over HTTP on both databases: the spec's example, every refusal, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.factories import expect_error
from tests.ledger_factories import create_account, entry, load_chart, post, report

pytestmark = pytest.mark.engines

SPEC_EXAMPLE = {
    "description": "Invoice payment",
    "lines": [{"account_id": "1010", "debit": 10000}, {"account_id": "4000", "credit": 10000}],
}


def _count(ctx: AppContext, table: str) -> int:
    with ctx.db.engine.connect() as conn:
        return int(conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


def test_the_spec_example_with_account_codes_is_posted(admin: Api) -> None:
    load_chart(admin)
    tx = post(admin, SPEC_EXAMPLE)
    assert tx["description"] == "Invoice payment"
    assert (tx["currency"], tx["total"], tx["source"]) == ("USD", 10000, "manual")
    assert tx["number"].startswith("JE-")
    assert [(x["account_code"], x["debit"], x["credit"]) for x in tx["lines"]] == [
        ("1010", 10000, 0),
        ("4000", 0, 10000),
    ]
    assert admin.get(f"/api/v1/transactions/{tx['id']}").json() == tx
    # Ids work as well as codes.
    cash = tx["lines"][0]["account_id"]
    again = post(admin, entry(cash, "4000", 2500))
    assert again["lines"][0]["account_id"] == cash


REFUSED: dict[str, tuple[list[dict[str, Any]], str]] = {
    "unbalanced": (
        [{"account_id": "1010", "debit": 10000}, {"account_id": "4000", "credit": 9999}],
        "lines",
    ),
    "one line": ([{"account_id": "1010", "debit": 10000}], "lines"),
    "no lines": ([], "lines"),
    "zero": (
        [{"account_id": "1010", "debit": 0}, {"account_id": "4000", "credit": 0}],
        "lines.0.debit",
    ),
    "negative": (
        [{"account_id": "1010", "debit": -100}, {"account_id": "4000", "credit": -100}],
        "lines.0.debit",
    ),
    "both sides": (
        [
            {"account_id": "1010", "debit": 100, "credit": 100},
            {"account_id": "4000", "credit": 100, "debit": 100},
        ],
        "lines.0",
    ),
    "neither side": (
        [{"account_id": "1010"}, {"account_id": "4000"}],
        "lines.0",
    ),
    "unknown account": (
        [{"account_id": "9999", "debit": 100}, {"account_id": "4000", "credit": 100}],
        "lines.0.account_id",
    ),
    "fractional cents": (
        [{"account_id": "1010", "debit": 10.5}, {"account_id": "4000", "credit": 10.5}],
        "lines.0.debit",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_bad_transactions_are_refused_and_nothing_is_written(
    admin: Api, ctx: AppContext, case: str
) -> None:
    load_chart(admin)
    lines, field = REFUSED[case]
    before = (_count(ctx, "transactions"), _count(ctx, "transaction_lines"))
    body = expect_error(
        admin.post("/api/v1/transactions", json={"description": case, "lines": lines}),
        422,
        "validation_error",
    )
    assert field in body["details"], body
    assert (_count(ctx, "transactions"), _count(ctx, "transaction_lines")) == before
    assert admin.get("/api/v1/transactions").json()["total"] == before[0]


def test_mixed_currencies_and_inactive_accounts_are_refused(admin: Api, ctx: AppContext) -> None:
    load_chart(admin)
    euros = create_account(admin, code="1030", name="Bank EUR", currency="EUR")
    body = expect_error(
        admin.post("/api/v1/transactions", json=entry("1030", "4000", 5000)),
        422,
        "validation_error",
    )
    assert "is in USD" in body["details"]["lines.1.account_id"]
    # A transaction named in EUR: the USD account is the odd one.
    body = expect_error(
        admin.post("/api/v1/transactions", json=entry(euros["id"], "4000", 5000, currency="EUR")),
        422,
        "validation_error",
    )
    assert "lines.1.account_id" in body["details"]
    r = admin.patch(f"/api/v1/accounts/{euros['id']}/deactivate")
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    body = expect_error(
        admin.post("/api/v1/transactions", json=entry("1030", "1030", 5000)),
        422,
        "validation_error",
    )
    assert "inactive" in body["details"]["lines.0.account_id"]
    assert _count(ctx, "transactions") == 0 and _count(ctx, "transaction_lines") == 0


def test_posted_transactions_are_immutable_and_reversed_once(admin: Api) -> None:
    load_chart(admin)
    tx = post(admin, SPEC_EXAMPLE)
    # No route changes or deletes one.
    assert admin.put(f"/api/v1/transactions/{tx['id']}", json={}).status_code == 405
    assert admin.patch(f"/api/v1/transactions/{tx['id']}", json={}).status_code == 405
    assert admin.delete(f"/api/v1/transactions/{tx['id']}").status_code == 405
    r = admin.post(f"/api/v1/transactions/{tx['id']}/reverse", json={})
    assert r.status_code == 200, r.text
    reversal = r.json()
    assert reversal["reverses_id"] == tx["id"] and reversal["source"] == "reversal"
    assert [(x["account_code"], x["debit"], x["credit"]) for x in reversal["lines"]] == [
        ("1010", 0, 10000),
        ("4000", 10000, 0),
    ]
    assert admin.get(f"/api/v1/transactions/{tx['id']}").json()["reversed_by_id"] == reversal["id"]
    expect_error(admin.post(f"/api/v1/transactions/{tx['id']}/reverse"), 409, "conflict")
    trial = report(admin, "trial-balance")
    assert trial["currencies"] == []  # everything reversed: every balance is 0


def test_list_filters_by_account_and_date(admin: Api) -> None:
    load_chart(admin)
    a = post(admin, entry("1010", "4000", 100, date="2026-01-10"))
    b = post(admin, entry("1020", "4000", 200, date="2026-02-10"))
    c = post(admin, entry("5100", "1020", 50, date="2026-03-10"))

    def ids(**params: Any) -> list[str]:
        r = admin.get("/api/v1/transactions", params=params)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]  # newest first
    assert ids(account_id="1020") == [c["id"], b["id"]]
    bank = b["lines"][0]["account_id"]
    assert ids(account_id=bank, sort_order="asc") == [b["id"], c["id"]]
    assert ids(from_date="2026-02-01", to_date="2026-02-28") == [b["id"]]
    assert ids(account_id="4000", to_date="2026-01-31") == [a["id"]]


def test_a_viewer_reads_the_ledger_but_cannot_post(admin: Api) -> None:
    from tests.factories import user_with_role

    load_chart(admin)
    viewer, _ = user_with_role(admin, "viewer")
    assert viewer.get("/api/v1/transactions").status_code == 200
    assert viewer.get("/api/v1/reports/trial-balance").status_code == 200
    expect_error(viewer.post("/api/v1/transactions", json=SPEC_EXAMPLE), 403, "forbidden")
    nobody, _ = user_with_role(admin, None)
    expect_error(nobody.get("/api/v1/reports/balance-sheet"), 403, "forbidden")
