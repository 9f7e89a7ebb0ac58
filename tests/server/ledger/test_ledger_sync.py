"""The ledger on replicas: accounts and postings pulled by who may read accounting; a journal
entry drafted offline is posted by a pushed create the server validates, or refused with why."""

from __future__ import annotations

from common.ids import new_id
from tests.conftest import Api
from tests.factories import create_customer, user_with_role
from tests.ledger_factories import load_chart
from tests.sales_factories import create_invoice
from tests.server.sync.test_pull import pull_all
from tests.server.sync.test_push import Replica


def _entry(debit: str, credit: str, amount: int, other: int | None = None) -> dict[str, object]:
    return {
        "description": "Drafted offline",
        "date": "2026-03-01",
        "lines": [
            {"account_id": debit, "debit": amount},
            {"account_id": credit, "credit": amount if other is None else other},
        ],
    }


def test_a_journal_entry_drafted_offline_is_posted_or_refused_with_the_reason(admin: Api) -> None:
    load_chart(admin)
    rep = Replica(admin)
    good, bad = new_id(), new_id()
    res = rep.push(
        rep.mutation(entity="transaction", op="create", id=good, data=_entry("5300", "1010", 4200)),
        rep.mutation(
            entity="transaction", op="create", id=bad, data=_entry("5300", "1010", 4200, 4000)
        ),
    )
    posted, refused = res["results"]
    assert posted["status"] == "applied", posted
    assert refused["status"] == "rejected"
    assert refused["error"]["error"] == "validation_error"
    assert "difference is 200 cents" in refused["error"]["details"]["lines"]
    tx = admin.get(f"/api/v1/transactions/{good}").json()
    assert (tx["total"], tx["date"], tx["description"]) == (4200, "2026-03-01", "Drafted offline")
    assert admin.get(f"/api/v1/transactions/{bad}").status_code == 404
    # An inactive account: refused, saying which line.
    till = admin.get("/api/v1/accounts", params={"search": "1010"}).json()["items"][0]
    assert admin.patch(f"/api/v1/accounts/{till['id']}/deactivate").status_code == 200
    res = rep.push(
        rep.mutation(
            entity="transaction", op="create", id=new_id(), data=_entry("5300", "1010", 100)
        )
    )
    (result,) = res["results"]
    assert result["status"] == "rejected"
    assert result["error"]["details"] == {"lines.1.account_id": "Account 1010 is inactive"}
    # Posted is final: an edit is refused; a reversal is the correction.
    res = rep.push(
        rep.mutation(
            entity="transaction", op="update", id=good, changes={"description": "x"}, base={}
        ),
        rep.mutation(entity="transaction", op="command", id=good, command="reverse", args={}),
    )
    edit, reversal = res["results"]
    assert edit["status"] == "rejected" and edit["error"]["error"] == "conflict"
    # The reversal posts to 1010 again, which is inactive now: refused, saying so.
    assert reversal["status"] == "rejected" and "1010 is inactive" in reversal["error"]["message"]
    assert admin.patch(f"/api/v1/accounts/{till['id']}/activate").status_code == 200
    res = rep.push(
        rep.mutation(entity="transaction", op="command", id=good, command="reverse", args={})
    )
    assert res["results"][0]["status"] == "applied", res
    assert admin.get(f"/api/v1/transactions/{good}").json()["reversed_by_id"]


def test_accounts_and_postings_reach_replicas_that_may_read_accounting(admin: Api) -> None:
    load_chart(admin)
    invoice = create_invoice(admin, create_customer(admin)["id"])
    assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    viewer, _ = user_with_role(admin, "viewer")
    changes, _, _ = pull_all(viewer)
    entities = {c["entity"] for c in changes}
    assert {"account", "transaction"} <= entities
    posting = next(c["data"] for c in changes if c["entity"] == "transaction")
    assert posting["source_id"] == invoice["id"] and posting["total"] == 155000
    assert [x["account_code"] for x in posting["lines"]] == ["1200", "4000"]
    nobody, _ = user_with_role(admin, None)
    changes, _, _ = pull_all(nobody)
    assert not {"account", "transaction"} & {c["entity"] for c in changes}
