"""Orders and invoices over sync: one record with their lines, numbered by the server, commands
validated by it, issued documents never merged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from common.ids import new_id
from tests.conftest import Api
from tests.factories import create_customer, user_with_role
from tests.sales_factories import create_item
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica

pytestmark = pytest.mark.engines
Body = dict[str, Any]


def _one(res: Body) -> Body:
    (result,) = res["results"]
    return result


def _draft(customer_id: str, line_id: str) -> Body:
    """An offline draft as a replica makes it: no number, its own ids, lines inside."""
    return {
        "customer_id": customer_id,
        "due_date": "2099-03-31",
        "lines": [
            {
                "id": line_id,
                "description": "Консультація / Beratung",
                "quantity": 3,
                "unit_price": 12000,
                "currency": "EUR",
                "tax_rate": "vat_19",
            }
        ],
    }


def test_offline_draft_is_numbered_then_sent_and_paid(admin: Api) -> None:
    customer = create_customer(admin, currency="EUR")
    rep = Replica(admin)
    invoice_id, line_id = new_id(), new_id()
    # Given a draft made offline, with no number
    res = rep.push(
        rep.mutation(
            entity="invoice", op="create", id=invoice_id, data=_draft(customer["id"], line_id)
        )
    )
    result = _one(res)
    assert result["status"] == "applied", res
    # Then the server numbered it, and the pushed answer carries the number and the totals
    year = datetime.now(UTC).year
    made = result["data"]
    assert made["number"] == f"INV-{year}-001"
    assert [line["id"] for line in made["lines"]] == [line_id]
    assert (made["subtotal"], made["tax_total"], made["total"]) == (36000, 6840, 42840)
    assert made["taxes"] == [
        {"tax_rate": "vat_19", "name": "VAT 19 %", "basis_points": 1900, "base": 36000, "tax": 6840}
    ]
    # A pull brings it as one record with its lines
    changes, cursor, _ = pull_all(admin)
    rows = {c["id"]: c["data"] for c in changes if c["entity"] == "invoice"}
    assert (
        rows[invoice_id]["number"] == made["number"] and rows[invoice_id]["lines"][0]["tax"] == 6840
    )

    # When the replica sends it and pays it in two parts by commands
    res = rep.push(
        rep.mutation(entity="invoice", op="command", id=invoice_id, command="send"),
        rep.mutation(
            entity="invoice",
            op="command",
            id=invoice_id,
            command="payments",
            args={"amount": 40000, "currency": "EUR", "method": "card"},
        ),
        rep.mutation(
            entity="invoice",
            op="command",
            id=invoice_id,
            command="payments",
            args={"amount": 2840, "currency": "EUR", "method": "cash"},
        ),
    )
    assert [r["status"] for r in res["results"]] == ["applied"] * 3, res
    got = admin.get(f"/api/v1/invoices/{invoice_id}").json()
    assert (got["status"], got["amount_paid"], got["balance_due"]) == ("paid", 42840, 0)
    changes, _, _ = pull_all(admin, cursor)
    pulled = {c["id"]: c for c in changes if c["entity"] == "invoice"}
    assert pulled[invoice_id]["data"]["status"] == "paid"
    assert len(pulled[invoice_id]["data"]["payments"]) == 2
    customers = {c["id"]: c for c in changes if c["entity"] == "customer"}
    assert customers[customer["id"]]["data"]["total_purchases"] == 42840


def test_refused_commands_come_back_with_the_reason(admin: Api) -> None:
    customer = create_customer(admin)
    rep = Replica(admin)
    invoice_id = new_id()
    data = {"customer_id": customer["id"], "lines": []}
    assert (
        _one(rep.push(rep.mutation(entity="invoice", op="create", id=invoice_id, data=data)))[
            "status"
        ]
        == "applied"
    )
    before = admin.get(f"/api/v1/invoices/{invoice_id}").json()
    res = rep.push(
        # Sending an invoice without lines: a wrong state (409)
        rep.mutation(entity="invoice", op="command", id=invoice_id, command="send"),
        # Paying a draft: a wrong state (409)
        rep.mutation(
            entity="invoice",
            op="command",
            id=invoice_id,
            command="payments",
            args={"amount": 100, "currency": "USD"},
        ),
        # Bad arguments: refused by the same schema as REST (422)
        rep.mutation(
            entity="invoice",
            op="command",
            id=invoice_id,
            command="payments",
            args={"amount": -1, "currency": "USD"},
        ),
        # Setting the number or the totals by an update: the server's own fields (422)
        rep.mutation(
            entity="invoice",
            op="update",
            id=invoice_id,
            changes={"number": "INV-1999-001"},
            base={},
        ),
        # A status the order table forbids (409)
        rep.mutation(entity="invoice", op="command", id=invoice_id, command="cancel"),
        rep.mutation(entity="invoice", op="command", id=invoice_id, command="cancel"),
    )
    results = res["results"]
    assert [r["status"] for r in results] == [
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "applied",
        "rejected",
    ], results
    codes = [(r["error"] or {}).get("error") for r in results]
    assert codes == [
        "conflict",
        "conflict",
        "validation_error",
        "validation_error",
        None,
        "conflict",
    ]
    assert "without lines" in results[0]["error"]["message"]
    assert "draft" in results[1]["error"]["message"]
    assert "amount" in results[2]["error"]["details"]
    assert "cancelled" in results[5]["error"]["message"]
    after = admin.get(f"/api/v1/invoices/{invoice_id}").json()
    assert after["status"] == "cancelled" and after["number"] == before["number"]
    # A user without invoices:write has every invoice mutation refused, not applied.
    viewer, _ = user_with_role(admin, "viewer")
    other = Replica(viewer)
    res = other.push(other.mutation(entity="invoice", op="command", id=invoice_id, command="send"))
    assert _one(res)["status"] == "rejected" and _one(res)["error"]["error"] == "forbidden"


def test_concurrent_edit_of_an_issued_invoice_is_a_conflict(admin: Api) -> None:
    customer = create_customer(admin)
    rep = Replica(admin)
    invoice_id = new_id()
    data = {
        "customer_id": customer["id"],
        "notes": "Original",
        "lines": [{"description": "Work", "quantity": 1, "unit_price": 1000}],
    }
    _one(rep.push(rep.mutation(entity="invoice", op="create", id=invoice_id, data=data)))
    admin.post(f"/api/v1/invoices/{invoice_id}/send")
    changes, cursor, _ = pull_all(admin)  # the replica has the sent invoice
    seen = next(c for c in changes if c["id"] == invoice_id)["data"]
    # Someone else edits the sent invoice's due date over REST
    r = admin.patch(f"/api/v1/invoices/{invoice_id}", json={"due_date": "2099-12-31"})
    assert r.status_code == 200, r.text
    # When the replica pushes an edit of other fields, based on what it saw before
    res = rep.push(
        rep.mutation(
            entity="invoice",
            op="update",
            id=invoice_id,
            changes={"notes": "Mine"},
            base={"notes": "Original"},
            base_version=seen["version"],
        )
    )
    result = _one(res)
    # Then nothing is merged into the issued invoice: the edit waits in a conflict record
    assert result["status"] == "conflict", res
    got = admin.get(f"/api/v1/invoices/{invoice_id}").json()
    assert (got["notes"], got["due_date"]) == ("Original", "2099-12-31")
    changes, _, _ = pull_all(admin, cursor)
    conflicts = [c["data"] for c in changes if c["entity"] == "conflict"]
    assert [
        (c["entity_id"], c["field"], c["mine"], c["theirs"], c["applied"]) for c in conflicts
    ] == [(invoice_id, "notes", "Mine", "Original", "theirs")]


def test_order_with_lines_travels_as_one_record_and_invoices_itself(admin: Api) -> None:
    customer = create_customer(admin)
    item = create_item(admin, unit_price=2500, tax_rate="vat_20")
    rep = Replica(admin)
    order_id, invoice_id = new_id(), new_id()
    data = {"customer_id": customer["id"], "lines": [{"item_id": item["id"], "quantity": 4}]}
    made = _one(rep.push(rep.mutation(entity="order", op="create", id=order_id, data=data)))
    assert made["status"] == "applied", made
    # The offline draft had no number; the server gave it the next one as it arrived.
    assert made["data"]["number"] == f"ORD-{datetime.now(UTC).year}-001"
    assert (made["data"]["subtotal"], made["data"]["tax_total"], made["data"]["total"]) == (
        10000,
        2000,
        12000,
    )
    res = rep.push(
        rep.mutation(
            entity="order",
            op="command",
            id=order_id,
            command="status",
            args={"status": "confirmed"},
        ),
        rep.mutation(
            entity="order", op="command", id=order_id, command="status", args={"status": "pending"}
        ),
        rep.mutation(
            entity="order",
            op="command",
            id=order_id,
            command="status",
            args={"status": "confirmed"},
        ),
        rep.mutation(
            entity="order",
            op="command",
            id=order_id,
            command="invoice",
            args={"invoice_id": invoice_id},
        ),
    )
    statuses = [r["status"] for r in res["results"]]
    assert statuses == ["rejected", "applied", "applied", "applied"], res
    assert "draft" in res["results"][0]["error"]["message"]
    invoice = admin.get(f"/api/v1/invoices/{invoice_id}").json()
    assert (invoice["order_id"], invoice["status"], invoice["total"]) == (order_id, "draft", 12000)
    assert invoice["lines"][0]["sku"] == item["sku"] and invoice["number"].startswith("INV-")
    assert admin.get(f"/api/v1/orders/{order_id}").json()["invoice_id"] == invoice_id
